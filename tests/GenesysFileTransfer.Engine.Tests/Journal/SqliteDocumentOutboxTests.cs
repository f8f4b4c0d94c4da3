using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// The outbox states an operator sees and decides on, against real SQLite files: source-missing items set aside by
/// their worker, resets and abandons that are atomic and leave an item being archived alone, and the version 3 schema.
/// </summary>
public sealed class SqliteDocumentOutboxTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_version_2_journal_upgrades_in_place_and_keeps_its_outbox()
    {
        using var temp = new TempJournal();
        Directory.CreateDirectory(Path.GetDirectoryName(temp.Path)!);
        // A journal as version 2 of the module left it: its two migrations and one pending item.
        temp.Sql("CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);");
        temp.Sql(SqliteSchema.Migrations[0]);
        temp.Sql(SqliteSchema.Migrations[1]);
        temp.Sql("INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00.0000000Z'), (2, '2026-11-02T00:00:00.0000000Z');");
        temp.Sql("INSERT INTO outbox (document_key, kind, source, file_name, metadata_json, state, attempts, enqueued_at, next_attempt_at) " +
                 "VALUES ('transfer/old', 'transfer', '/data/old.pdf', 'old.pdf', '{}', 'pending', 2, '2026-11-02T10:00:00.0000000Z', '2026-11-02T10:00:00.0000000Z');");

        using SqliteTransferJournal journal = temp.Open();

        Assert.Equal((long)SqliteTransferJournal.SchemaVersion, temp.Sql("SELECT MAX(version) FROM schema_version;"));
        OutboxItem old = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Equal("transfer/old", old.DocumentKey);
        Assert.Equal(2, old.Attempts);
        Assert.Null(old.FallbackSource);
        Assert.Null(old.StateReason);
    }

    [Fact]
    public void The_new_fields_and_every_state_round_trip()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        foreach (OutboxState state in new[] { OutboxState.Pending, OutboxState.Archived, OutboxState.SourceMissing, OutboxState.Abandoned })
        {
            OutboxItem item = Item("doc/" + state, T0);
            item.State = state;
            item.FallbackSource = "https://media.example.test/m/x.pdf?X-Amz-Signature=abc";
            item.StateReason = "because " + state;
            item.StateChangedBy = "ops@host";
            item.StateChangedAt = T0.AddMinutes(1);
            Assert.True(journal.Outbox.Enqueue(item));
        }

        foreach (OutboxState state in new[] { OutboxState.Pending, OutboxState.Archived, OutboxState.SourceMissing, OutboxState.Abandoned })
        {
            OutboxItem read = Assert.Single(journal.Outbox.GetOutbox(state));
            Assert.Equal("doc/" + state, read.DocumentKey);
            Assert.Equal(state, read.State);
            Assert.Equal("https://media.example.test/m/x.pdf?X-Amz-Signature=abc", read.FallbackSource);
            Assert.Equal("because " + state, read.StateReason);
            Assert.Equal("ops@host", read.StateChangedBy);
            Assert.Equal(T0.AddMinutes(1), read.StateChangedAt);
            Assert.Equal(state, journal.Outbox.GetItem("doc/" + state)!.State);
        }

        Assert.Null(journal.Outbox.GetItem("doc/none"));
    }

    [Fact]
    public void A_source_missing_item_is_set_aside_by_its_worker_only_and_never_claimed_again()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        Assert.False(journal.Outbox.MarkSourceMissing("transfer/1", "worker-b", "not mine", T0));
        Assert.True(journal.Outbox.MarkSourceMissing("transfer/1", "worker-a", "DocumentSourceNotFound: the file is gone", T0.AddSeconds(1)));

        OutboxItem missing = Assert.Single(journal.Outbox.GetOutbox(OutboxState.SourceMissing));
        Assert.Equal("DocumentSourceNotFound: the file is gone", missing.StateReason);
        Assert.Equal("DocumentSourceNotFound: the file is gone", missing.LastError);
        Assert.Equal("worker-a", missing.StateChangedBy);
        Assert.Null(missing.LeaseUntil);
        Assert.Empty(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddDays(30), TimeSpan.FromMinutes(5)));
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-a", "/dms/late.pdf", T0.AddSeconds(2)));
    }

    [Fact]
    public void A_reset_makes_a_source_missing_item_due_now_and_claimable()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        journal.Outbox.MarkSourceMissing("transfer/1", "worker-a", "gone", T0);
        DateTimeOffset later = T0.AddHours(3);

        OutboxChangeResult result = journal.Outbox.Reset("transfer/1", "ops@host", later);

        Assert.Equal(OutboxChange.Changed, result.Change);
        Assert.Equal(OutboxState.Pending, result.Item!.State);
        Assert.Equal(later, result.Item.NextAttemptAt);
        Assert.Equal("ops@host", result.Item.StateChangedBy);
        Assert.Null(result.Item.StateReason);
        Assert.Equal("gone", result.Item.LastError);
        Assert.Equal("transfer/1", journal.Outbox.ClaimNext("worker-b", later, TimeSpan.FromMinutes(5))!.DocumentKey);
    }

    [Fact]
    public void Reset_and_abandon_leave_an_item_under_a_live_lease_alone_and_take_it_once_the_lease_is_over()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        OutboxChangeResult reset = journal.Outbox.Reset("transfer/1", "ops@host", T0.AddMinutes(4));
        OutboxChangeResult abandon = journal.Outbox.Abandon("transfer/1", "duplicate upload", "ops@host", T0.AddMinutes(4));

        Assert.Equal(OutboxChange.Leased, reset.Change);
        Assert.Equal(OutboxChange.Leased, abandon.Change);
        Assert.Equal("worker-a", journal.Outbox.GetItem("transfer/1")!.ClaimedBy);
        Assert.Equal(OutboxState.Pending, journal.Outbox.GetItem("transfer/1")!.State);

        OutboxChangeResult late = journal.Outbox.Abandon("transfer/1", "duplicate upload", "ops@host", T0.AddMinutes(6));

        Assert.Equal(OutboxChange.Changed, late.Change);
        Assert.Equal(OutboxState.Abandoned, late.Item!.State);
        Assert.Equal("duplicate upload", late.Item.StateReason);
        Assert.Equal("ops@host", late.Item.StateChangedBy);
        Assert.Equal(T0.AddMinutes(6), late.Item.StateChangedAt);
        // The worker whose lease ran out can no longer record it as archived.
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-a", "/dms/late.pdf", T0.AddMinutes(7)));
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddDays(1), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Archived_and_abandoned_items_are_final_and_unknown_keys_are_reported()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/archived", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        journal.Outbox.MarkArchived("transfer/archived", "worker-a", "/dms/a.pdf", T0);
        journal.Outbox.Enqueue(Item("transfer/abandoned", T0));
        journal.Outbox.Abandon("transfer/abandoned", "test file", "ops@host", T0);

        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Reset("transfer/archived", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Abandon("transfer/archived", "x", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Reset("transfer/abandoned", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotFound, journal.Outbox.Reset("transfer/none", "ops@host", T0).Change);
        Assert.Null(journal.Outbox.Abandon("transfer/none", "x", "ops@host", T0).Item);
        Assert.Equal("/dms/a.pdf", journal.Outbox.GetItem("transfer/archived")!.StoredLocation);
        Assert.Equal("test file", journal.Outbox.GetItem("transfer/abandoned")!.StateReason);
    }

    [Fact]
    public async Task Abandons_racing_claims_on_another_connection_never_abandon_an_item_a_worker_took()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal setup = temp.Open();
        for (int i = 0; i < 40; i++)
        {
            setup.Outbox.Enqueue(Item("doc/" + i.ToString("D2"), T0.AddMilliseconds(i)));
        }

        using SqliteTransferJournal workerJournal = temp.Open();
        using SqliteTransferJournal adminJournal = temp.Open();
        var claimed = new List<string>();
        var abandoned = new List<string>();
        Task worker = Task.Run(() =>
        {
            while (workerJournal.Outbox.ClaimNext("worker", T0.AddMinutes(1), TimeSpan.FromHours(1)) is { } item)
            {
                claimed.Add(item.DocumentKey);
            }
        });
        Task admin = Task.Run(() =>
        {
            for (int i = 39; i >= 0; i--)
            {
                OutboxChangeResult result = adminJournal.Outbox.Abandon("doc/" + i.ToString("D2"), "race", "ops@host", T0.AddMinutes(1));
                if (result.Change == OutboxChange.Changed) abandoned.Add(result.Item!.DocumentKey);
                else Assert.Equal(OutboxChange.Leased, result.Change);
            }
        });
        await Task.WhenAll(worker, admin);

        Assert.Empty(claimed.Intersect(abandoned));
        Assert.Equal(40, claimed.Count + abandoned.Count);
        Assert.Equal(abandoned.OrderBy(k => k), setup.Outbox.GetOutbox(OutboxState.Abandoned).Select(i => i.DocumentKey).OrderBy(k => k));
    }

    private static OutboxItem Item(string key, DateTimeOffset enqueuedAt) => new()
    {
        DocumentKey = key,
        Kind = "transfer",
        TransferId = Guid.NewGuid(),
        Source = "/data/outbox/invoice.pdf",
        FileName = "invoice.pdf",
        ContentType = "application/pdf",
        Sha256 = new string('c', 64),
        Length = 10,
        MetadataJson = "{}",
        State = OutboxState.Pending,
        EnqueuedAt = enqueuedAt,
        NextAttemptAt = enqueuedAt,
    };
}
