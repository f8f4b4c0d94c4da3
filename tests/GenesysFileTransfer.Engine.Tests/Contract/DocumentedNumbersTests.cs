using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Tests.Documents;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Contract;

/// <summary>
/// The numbers docs/usage.md states, checked as numbers (60 s, half a short lifetime, 30 s, one hour, five minutes)
/// on a fake clock, never by re-computing the module's own formula and never by measuring elapsed time.
/// </summary>
public class DocumentedNumbersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(3600, 3539, 3541)] // "replaced 60 seconds before it expires"
    [InlineData(100, 49, 51)]      // "at half its lifetime for tokens shorter than two minutes"
    public async Task The_token_is_kept_until_the_documented_moment_and_replaced_after_it(int lifetimeSeconds, int keptAtSecond, int replacedAtSecond)
    {
        var time = new FakeTimeProvider(T0);
        await using EmulatorHost host = await EmulatorHost.StartAsync(new EmulatorOptions { TokenLifetimeSeconds = lifetimeSeconds, TimeProvider = time });
        var options = new ConnectionOptions(
            GenesysEnvironment.FromBaseUri(host.BaseUri),
            new ClientCredentials(EmulatorDefaults.ClientId, ClientCredentials.ToSecureString(EmulatorDefaults.ClientSecret)))
        {
            DisableAuditLog = true,
            DisableJournal = true,
            TimeProvider = time,
        };
        using GenesysConnection connection = await GenesysConnection.ConnectAsync(options, null, CancellationToken.None);
        int Tokens() => host.State.Requests.Count(r => r.Route == "token");
        Assert.Equal(1, Tokens());

        time.Advance(TimeSpan.FromSeconds(keptAtSecond));
        await connection.Policies.GetSupportedContentPolicyAsync(null, null, CancellationToken.None);
        Assert.Equal(1, Tokens());

        time.Advance(TimeSpan.FromSeconds(replacedAtSecond - keptAtSecond));
        await connection.Policies.GetSupportedContentPolicyAsync(null, null, CancellationToken.None);
        Assert.Equal(2, Tokens());
    }

    [Fact]
    public async Task A_failed_document_waits_30_s_doubling_to_at_most_one_hour_jittered_by_up_to_half()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        kit.EnqueueTransfer(kit.WriteFile("invoice.pdf", "%PDF-1.4 backoff"), T0);
        var sink = new RefusingSink(kit, time);
        // The module's own defaults: only the staging folder is moved out of the home folder.
        var archiver = new DocumentArchiver(kit.Journal.Outbox, sink, kit.Audit, new DocumentArchiverOptions { StagingDirectory = Path.Combine(kit.Folder, "staging") }, time);

        var waits = new List<TimeSpan>();
        for (int attempt = 1; attempt <= 10; attempt++)
        {
            await archiver.DrainAsync(null, null, CancellationToken.None);
            OutboxItem item = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
            Assert.Equal(attempt, item.Attempts);
            waits.Add(item.NextAttemptAt - time.GetUtcNow());
            time.SetUtcNow(item.NextAttemptAt);
        }

        // min(1 h, 30 s × 2^(attempt−1)), of which a random part up to half is taken off.
        Assert.InRange(waits[0].TotalSeconds, 15, 30);
        Assert.InRange(waits[1].TotalSeconds, 30, 60);
        Assert.InRange(waits[2].TotalSeconds, 60, 120);
        foreach (TimeSpan capped in waits.Skip(7))
        {
            Assert.InRange(capped.TotalMinutes, 30, 60);
        }

        // Each claim held the document under a five-minute lease.
        Assert.All(sink.LeasesSeen, lease => Assert.Equal(TimeSpan.FromMinutes(5), lease));
        Assert.Equal(10, sink.LeasesSeen.Count);
    }

    /// <summary>A store that is down, and that notes the lease each claim holds while it is asked to store.</summary>
    private sealed class RefusingSink(DocumentTestKit kit, TimeProvider time) : IDocumentSink
    {
        public List<TimeSpan> LeasesSeen { get; } = [];
        public string Description => "a store that is down";

        public Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken)
        {
            OutboxItem claimed = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
            Assert.NotNull(claimed.ClaimedBy);
            LeasesSeen.Add(claimed.LeaseUntil!.Value - time.GetUtcNow());
            throw new DocumentSinkUnavailableException("the store is down");
        }

        public void Dispose() { }
    }
}
