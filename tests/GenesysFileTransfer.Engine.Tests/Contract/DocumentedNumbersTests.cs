using System.Net;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Http;
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

    [Theory]
    [InlineData(180, 2)] // "longer than 180 s ends the call": 180 s is waited for, then the call is repeated
    [InlineData(181, 1)] // one second more, and the call ends with the 429 (RateLimited to the user)
    public async Task A_Retry_After_of_180_s_is_waited_for_and_one_of_181_s_ends_the_call(int retryAfterSeconds, int attempts)
    {
        var time = new FakeTimeProvider(T0);
        var options = new RetryOptions(); // the module's defaults, as every connection has them
        var sender = new ResilientSender(options, options.AttemptTimeout, options.TotalTimeout, time);
        int calls = 0;
        var waits = new List<TimeSpan>();
        Task<HttpResponseMessage> Attempt(int number, CancellationToken token)
        {
            int call = Interlocked.Increment(ref calls);
            var response = new HttpResponseMessage(call == 1 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK);
            if (call == 1) response.Headers.TryAddWithoutValidation("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Task.FromResult(response);
        }

        Task<HttpResponseMessage> sending = sender.SendAsync(Attempt, notice => { lock (waits) waits.Add(notice.Delay); }, CancellationToken.None);
        // The fake clock moves on a second at a time until the call is over (ten fake minutes at most).
        for (int second = 0; !sending.IsCompleted && second < 600; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(1);
        }

        using HttpResponseMessage last = await sending;
        Assert.Equal(attempts, calls);
        if (attempts == 2)
        {
            Assert.Equal(TimeSpan.FromSeconds(180), Assert.Single(waits));
            Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        }
        else
        {
            Assert.Empty(waits);
            Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        }
    }

    [Fact]
    public void Every_sync_wait_of_the_default_options_lies_in_the_documented_band_and_the_waits_differ()
    {
        using var kit = new DocumentTestKit();
        var archiver = new DocumentArchiver(kit.Journal.Outbox, new RefusingSink(kit, TimeProvider.System), kit.Audit, new DocumentArchiverOptions { StagingDirectory = Path.Combine(kit.Folder, "staging") }, TimeProvider.System);

        // 30 s, 60 s, 120 s, … up to one hour, less a random part of up to half: 200 draws each, so a base or a cap a
        // few seconds off the documented one cannot stay inside the band by chance.
        (int Attempt, double Low, double High)[] bands = [(1, 15, 30), (2, 30, 60), (3, 60, 120), (8, 1800, 3600), (9, 1800, 3600), (20, 1800, 3600)];
        foreach ((int attempt, double low, double high) in bands)
        {
            double[] seconds = Enumerable.Range(0, 200).Select(_ => archiver.Backoff(attempt).TotalSeconds).ToArray();
            Assert.All(seconds, s => Assert.InRange(s, low, high));
            Assert.True(seconds.Distinct().Count() > 1, $"attempt {attempt}: the waits are jittered");
        }
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
