using System.Text.Json;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>Listing, resetting and abandoning outbox items as an operator, on both journals, audited with who and why.</summary>
public sealed class OutboxAdministrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Journals => new() { "memory", "sqlite" };

    [Theory]
    [MemberData(nameof(Journals))]
    public void Find_filters_by_state_key_and_transfer_and_never_shows_a_url_query(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        var time = new FakeTimeProvider(T0);
        OutboxItem first = kit.EnqueueTransfer(kit.WriteFile("a.pdf", "%PDF a"), T0);
        OutboxItem second = kit.EnqueueTransfer(kit.WriteFile("b.pdf", "%PDF b"), T0.AddSeconds(1));
        OutboxItem attachment = kit.EnqueueAttachment("https://media.example.test/att-1/photo.jpg?X-Amz-Signature=listsecret0123", "att-1", "photo.jpg", T0.AddSeconds(2));
        var admin = new OutboxAdministration(kit.Journal.Outbox, kit.Audit, time);
        admin.Abandon(second.DocumentKey, "sent by mistake", "ops@host");

        Assert.Equal(new[] { first.DocumentKey, second.DocumentKey, attachment.DocumentKey }, admin.Find(null).Select(d => d.DocumentKey));
        Assert.Equal(new[] { first.DocumentKey, attachment.DocumentKey }, admin.Find(new OutboxFilter { States = new[] { OutboxState.Pending } }).Select(d => d.DocumentKey));
        Assert.Equal(new[] { second.DocumentKey }, admin.Find(new OutboxFilter { States = new[] { OutboxState.Abandoned, OutboxState.Archived } }).Select(d => d.DocumentKey));
        Assert.Equal(new[] { second.DocumentKey }, admin.Find(new OutboxFilter { TransferIds = new[] { second.TransferId!.Value } }).Select(d => d.DocumentKey));
        Assert.Equal(new[] { attachment.DocumentKey }, admin.Find(new OutboxFilter { DocumentKeys = new[] { attachment.DocumentKey, "transfer/unknown" } }).Select(d => d.DocumentKey));
        Assert.Empty(admin.Find(new OutboxFilter { DocumentKeys = new[] { attachment.DocumentKey }, States = new[] { OutboxState.Abandoned } }));

        OutboxDocument shown = admin.Find(new OutboxFilter { DocumentKeys = new[] { attachment.DocumentKey } }).Single();
        Assert.Equal("https://media.example.test/att-1/photo.jpg", shown.Source);
        Assert.DoesNotContain("listsecret0123", JsonSerializer.Serialize(admin.Find(null)));
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public void Abandon_records_who_and_why_in_the_journal_and_the_audit_log(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        OutboxItem item = kit.EnqueueTransfer(kit.WriteFile("x.pdf", "%PDF x"), T0);
        var admin = new OutboxAdministration(kit.Journal.Outbox, kit.Audit, new FakeTimeProvider(T0.AddHours(2)), "admin-test");

        OutboxDocument abandoned = admin.Abandon(item.DocumentKey, "  customer withdrew the file  ", "CONTOSO\\ops@jump01");

        Assert.Equal(OutboxState.Abandoned, abandoned.State);
        Assert.Equal("customer withdrew the file", abandoned.Reason);
        Assert.Equal("CONTOSO\\ops@jump01", abandoned.ChangedBy);
        Assert.Equal(T0.AddHours(2), abandoned.ChangedAt);
        Assert.Null(abandoned.NextAttemptAt);
        Assert.Equal(OutboxState.Abandoned, kit.Journal.Outbox.GetItem(item.DocumentKey)!.State);
        JsonElement record = Assert.Single(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == OutboxAuditOperations.Abandon);
        Assert.Equal("success", record.GetProperty("outcome").GetString());
        Assert.Equal("admin-test", record.GetProperty("correlationId").GetString());
        Assert.Equal(item.TransferId.ToString(), record.GetProperty("transferId").GetString());
        Assert.Contains("by CONTOSO\\ops@jump01", record.GetProperty("detail").GetString());
        Assert.Contains("reason: customer withdrew the file", record.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("missing", OutboxAdministration.DocumentNotFound)]
    [InlineData("leased", OutboxAdministration.DocumentLeased)]
    [InlineData("archived", OutboxAdministration.DocumentStateInvalid)]
    public void Refused_changes_throw_a_stable_error_id_change_nothing_and_are_audited(string situation, string errorId)
    {
        using var kit = new DocumentTestKit("sqlite");
        OutboxItem item = kit.EnqueueTransfer(kit.WriteFile("y.pdf", "%PDF y"), T0);
        if (situation != "missing") kit.Journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        if (situation == "archived") kit.Journal.Outbox.MarkArchived(item.DocumentKey, "worker-a", "/dms/y.pdf", T0);
        string key = situation == "missing" ? "transfer/does-not-exist" : item.DocumentKey;
        var admin = new OutboxAdministration(kit.Journal.Outbox, kit.Audit, new FakeTimeProvider(T0.AddMinutes(1)));
        OutboxItem before = kit.Journal.Outbox.GetItem(item.DocumentKey)!;

        var reset = Assert.Throws<OutboxAdministrationException>(() => admin.Reset(key, "ops@host"));
        var abandon = Assert.Throws<OutboxAdministrationException>(() => admin.Abandon(key, "why", "ops@host"));

        Assert.Equal(errorId, reset.ErrorId);
        Assert.Equal(errorId, abandon.ErrorId);
        Assert.Equal(key, reset.DocumentKey);
        Assert.Contains(key, reset.Message);
        OutboxItem after = kit.Journal.Outbox.GetItem(item.DocumentKey)!;
        Assert.Equal((before.State, before.ClaimedBy, before.NextAttemptAt), (after.State, after.ClaimedBy, after.NextAttemptAt));
        Assert.Equal(2, kit.AuditRecords().Count(r => r.TryGetProperty("errorCode", out JsonElement code) && code.GetString() == errorId && r.GetProperty("outcome").GetString() == "refused"));
    }

    [Fact]
    public void An_abandon_without_a_reason_is_refused()
    {
        using var kit = new DocumentTestKit();
        OutboxItem item = kit.EnqueueTransfer(kit.WriteFile("z.pdf", "%PDF z"), T0);
        var admin = new OutboxAdministration(kit.Journal.Outbox, kit.Audit, new FakeTimeProvider(T0));

        var error = Assert.Throws<OutboxAdministrationException>(() => admin.Abandon(item.DocumentKey, "   ", "ops@host"));

        Assert.Equal(OutboxAdministration.AbandonReasonMissing, error.ErrorId);
        Assert.Equal(OutboxState.Pending, kit.Journal.Outbox.GetItem(item.DocumentKey)!.State);
    }

    [Fact]
    public void The_actor_names_the_user_and_the_machine()
    {
        string actor = OutboxAdministration.CurrentActor();

        Assert.EndsWith("@" + Environment.MachineName, actor);
        Assert.Contains(Environment.UserName, actor);
    }
}
