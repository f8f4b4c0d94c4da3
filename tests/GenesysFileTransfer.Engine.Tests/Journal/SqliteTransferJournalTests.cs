using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Journal;

public class SqliteTransferJournalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 14, 45, 53, TimeSpan.Zero);

    [Fact]
    public void Opening_creates_the_folder_the_file_a_wal_journal_and_the_current_schema_version()
    {
        using var temp = new TempJournal();

        using SqliteTransferJournal journal = temp.Open();

        Assert.True(File.Exists(temp.Path));
        Assert.Equal(temp.Path, journal.Location);
        Assert.Equal("wal", temp.Sql("PRAGMA journal_mode;"));
        Assert.Equal((long)SqliteTransferJournal.SchemaVersion, temp.Sql("SELECT MAX(version) FROM schema_version;"));
    }

    [Fact]
    public void Reopening_applies_no_migration_twice()
    {
        using var temp = new TempJournal();
        temp.Open().Dispose();

        temp.Open().Dispose();

        Assert.Equal((long)SqliteTransferJournal.SchemaVersion, temp.Sql("SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public void A_journal_written_by_a_newer_version_is_refused_untouched()
    {
        using var temp = new TempJournal();
        temp.Open().Dispose();
        temp.Sql("INSERT INTO schema_version (version, applied_at) VALUES (999, '2030-01-01T00:00:00.0000000Z');");

        var error = Assert.Throws<TransferJournalException>(() => temp.Open());

        Assert.Contains("newer version", error.Message);
        Assert.Equal(temp.Path, error.Location);
        Assert.Equal(999L, temp.Sql("SELECT MAX(version) FROM schema_version;"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_as_a_journal_error()
    {
        using var temp = new TempJournal();
        Directory.CreateDirectory(Path.GetDirectoryName(temp.Path)!);
        File.WriteAllText(temp.Path, "These are someone's notes, not a SQLite database. " + new string('x', 4096));

        var error = Assert.Throws<TransferJournalException>(() => temp.Open());

        Assert.Contains(temp.Path, error.Message);
    }

    [Fact]
    public void The_default_path_sits_beside_the_default_audit_folder()
    {
        string expected = Path.Combine(Path.GetDirectoryName(Audit.AuditLog.DefaultDirectory)!, "journal.db");

        Assert.Equal(expected, SqliteTransferJournal.DefaultPath);
        Assert.EndsWith(Path.Combine("GenesysFileTransfer", "journal.db"), SqliteTransferJournal.DefaultPath);
    }

    [Fact]
    public void A_transition_whose_outbox_write_fails_leaves_the_transfer_and_its_history_unchanged()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        JournalTransfer transfer = Transfer("a.pdf", "Valid", T0);
        journal.Transfers.InsertOrGet(transfer, Entry("valid"), supersede: false, out _);
        OutboxItem broken = Item("transfer/" + transfer.TransferId, T0);
        broken.Source = null!;

        transfer.Status = "Delivered";
        Assert.Throws<TransferJournalException>(() => journal.Transfers.TryTransition(transfer, 0, Entry("delivered"), broken));

        JournalTransfer read = journal.Transfers.GetTransfer(transfer.TransferId)!;
        Assert.Equal("Valid", read.Status);
        Assert.Equal(0, read.Version);
        Assert.Equal(new[] { "valid" }, journal.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
    }

    [Fact]
    public void An_event_is_recorded_once_per_source()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();

        Assert.True(journal.Events.TryRecordEvent("open-messaging", "event-1", T0));
        Assert.False(journal.Events.TryRecordEvent("open-messaging", "event-1", T0.AddSeconds(5)));
        Assert.True(journal.Events.TryRecordEvent("standard-webhooks", "event-1", T0));
        Assert.True(journal.Events.TryRecordEvent("open-messaging", "event-2", T0));
    }

    [Fact]
    public void The_same_event_from_many_threads_and_two_journal_instances_is_accepted_exactly_once()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal first = temp.Open();
        using SqliteTransferJournal second = temp.Open();
        int accepted = 0;

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if ((i % 2 == 0 ? first : second).Events.TryRecordEvent("open-messaging", "retried-event", T0))
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(1, accepted);
    }

    [Fact]
    public void A_message_status_only_moves_forward()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();

        Assert.Null(journal.Events.GetMessageStatus("message-1"));
        Assert.True(journal.Events.AdvanceMessageStatus("message-1", "Sent", 1, T0));
        Assert.True(journal.Events.AdvanceMessageStatus("message-1", "Read", 3, T0.AddSeconds(2)));
        Assert.False(journal.Events.AdvanceMessageStatus("message-1", "Delivered", 2, T0.AddSeconds(1)));
        Assert.False(journal.Events.AdvanceMessageStatus("message-1", "Read again", 3, T0.AddSeconds(3)));

        Assert.Equal("Read", journal.Events.GetMessageStatus("message-1"));
    }

    [Fact]
    public void Enqueueing_the_same_document_key_twice_keeps_the_first_item()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        OutboxItem item = Item("transfer/1", T0);

        Assert.True(journal.Outbox.Enqueue(item));
        Assert.False(journal.Outbox.Enqueue(Item("transfer/1", T0.AddMinutes(1), source: "/somewhere/else.pdf")));

        OutboxItem stored = Assert.Single(journal.Outbox.GetOutbox(null));
        Assert.Equivalent(item, stored, strict: true);
        Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Empty(journal.Outbox.GetOutbox(OutboxState.Archived));
    }

    [Fact]
    public void A_claim_takes_the_oldest_due_item_and_holds_it_for_the_lease()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("later", T0, nextAttemptAt: T0.AddMinutes(10)));
        journal.Outbox.Enqueue(Item("second", T0.AddSeconds(2)));
        journal.Outbox.Enqueue(Item("first", T0.AddSeconds(1)));

        OutboxItem claimed = journal.Outbox.ClaimNext("worker-a", T0.AddMinutes(1), TimeSpan.FromMinutes(2))!;

        Assert.Equal("first", claimed.DocumentKey);
        Assert.Equal("worker-a", claimed.ClaimedBy);
        Assert.Equal(T0.AddMinutes(3), claimed.LeaseUntil);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal("second", journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(2))!.DocumentKey);
        Assert.Null(journal.Outbox.ClaimNext("worker-c", T0.AddMinutes(1), TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void An_expired_lease_can_be_claimed_by_another_worker_and_the_first_can_no_longer_finish()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("crashed-worker", T0, TimeSpan.FromMinutes(1));

        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddSeconds(59), TimeSpan.FromMinutes(1)));
        OutboxItem reclaimed = journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(1))!;

        Assert.Equal("worker-b", reclaimed.ClaimedBy);
        Assert.Equal(2, reclaimed.Attempts);
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "crashed-worker", "/dms/late-copy.pdf", T0.AddMinutes(2)));
        Assert.True(journal.Outbox.MarkArchived("transfer/1", "worker-b", "/dms/invoice.pdf", T0.AddMinutes(2)));
        OutboxItem archived = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Archived));
        Assert.Equal("/dms/invoice.pdf", archived.StoredLocation);
        Assert.Equal(T0.AddMinutes(2), archived.ArchivedAt);
        Assert.Null(archived.LeaseUntil);
        Assert.Null(journal.Outbox.ClaimNext("worker-c", T0.AddDays(1), TimeSpan.FromMinutes(1)));
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-b", "/dms/again.pdf", T0.AddMinutes(3)));
    }

    [Fact]
    public void A_retry_releases_the_item_until_its_next_attempt()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        Assert.False(journal.Outbox.MarkRetry("transfer/1", "worker-b", "not mine", T0.AddMinutes(1)));
        Assert.True(journal.Outbox.MarkRetry("transfer/1", "worker-a", "the share is offline", T0.AddMinutes(1)));

        OutboxItem released = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Null(released.ClaimedBy);
        Assert.Null(released.LeaseUntil);
        Assert.Equal("the share is offline", released.LastError);
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddSeconds(59), TimeSpan.FromMinutes(5)));
        Assert.Equal("worker-b", journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(5))!.ClaimedBy);
    }

    [Fact]
    public async Task Two_claimers_on_separate_connections_never_get_the_same_item()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal setup = temp.Open();
        const int count = 120;
        for (int i = 0; i < count; i++)
        {
            setup.Outbox.Enqueue(Item("doc/" + i.ToString("D3"), T0.AddMilliseconds(i)));
        }

        using SqliteTransferJournal first = temp.Open();
        using SqliteTransferJournal second = temp.Open();
        var claims = new System.Collections.Concurrent.ConcurrentBag<(string Worker, string Key)>();
        using var start = new Barrier(2);

        void Claim(SqliteTransferJournal journal, string worker)
        {
            start.SignalAndWait();
            while (journal.Outbox.ClaimNext(worker, T0.AddMinutes(1), TimeSpan.FromHours(1)) is { } item)
            {
                claims.Add((worker, item.DocumentKey));
                // Gives the other claimer a turn even on a loaded machine, so both really compete for the rest.
                Thread.Sleep(1);
            }
        }

        Task a = Task.Factory.StartNew(() => Claim(first, "worker-a"), TaskCreationOptions.LongRunning);
        Task b = Task.Factory.StartNew(() => Claim(second, "worker-b"), TaskCreationOptions.LongRunning);
        await Task.WhenAll(a, b);

        Assert.Equal(count, claims.Count);
        Assert.Equal(count, claims.Select(c => c.Key).Distinct().Count());
        Assert.Contains(claims, c => c.Worker == "worker-a");
        Assert.Contains(claims, c => c.Worker == "worker-b");
        Assert.All(setup.Outbox.GetOutbox(OutboxState.Pending), item => Assert.Equal(claims.Single(c => c.Key == item.DocumentKey).Worker, item.ClaimedBy));
    }

    [Fact]
    public void Parallel_writers_on_one_file_lose_nothing_and_each_version_is_taken_once()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal first = temp.Open();
        using SqliteTransferJournal second = temp.Open();
        var transfers = Enumerable.Range(0, 40).Select(i => Transfer("file-" + i + ".pdf", "Created", T0.AddSeconds(i))).ToArray();
        int won = 0;

        // Every transfer is inserted twice (once per journal instance) and moved from version 0 twice: one insert and
        // one transition per transfer may succeed.
        Parallel.ForEach(transfers.Concat(transfers), new ParallelOptions { MaxDegreeOfParallelism = 6 }, (transfer, _, i) =>
        {
            SqliteTransferJournal journal = i % 2 == 0 ? first : second;
            var copy = Copy(transfer);
            journal.Transfers.InsertOrGet(copy, Entry("created"), supersede: false, out bool _);
            copy.Status = "Uploaded";
            if (journal.Transfers.TryTransition(copy, 0, Entry("uploaded")) != null)
            {
                Interlocked.Increment(ref won);
            }
        });

        IReadOnlyList<JournalTransfer> stored = first.Transfers.QueryTransfers(new TransferQuery { Status = "Uploaded" });
        Assert.Equal(transfers.Length, stored.Count);
        Assert.Equal(transfers.Length, won);
        Assert.All(transfers, t => Assert.Equal(new[] { "created", "uploaded" }, first.Transfers.GetHistory(t.TransferId).Select(e => e.Event)));
    }

    [Fact]
    public void Everything_written_is_there_after_reopening()
    {
        using var temp = new TempJournal();
        JournalTransfer transfer = Transfer("kept.pdf", "Valid", T0);
        using (SqliteTransferJournal journal = temp.Open())
        {
            journal.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(T0, "valid", "media-1", null), supersede: false, out _);
            journal.Events.TryRecordEvent("open-messaging", "event-1", T0);
            journal.Events.AdvanceMessageStatus("message-1", "Delivered", 2, T0);
            journal.Outbox.Enqueue(Item("transfer/kept", T0));
        }

        using SqliteTransferJournal reopened = temp.Open();

        Assert.Equal("Valid", reopened.Transfers.GetTransfer(transfer.TransferId)!.Status);
        Assert.Equal("valid", Assert.Single(reopened.Transfers.GetHistory(transfer.TransferId)).Event);
        Assert.False(reopened.Events.TryRecordEvent("open-messaging", "event-1", T0));
        Assert.Equal("Delivered", reopened.Events.GetMessageStatus("message-1"));
        Assert.Equal("transfer/kept", Assert.Single(reopened.Outbox.GetOutbox(OutboxState.Pending)).DocumentKey);
    }

    [Fact]
    public void A_version_1_journal_with_duplicate_keys_upgrades_keeping_every_row_and_giving_the_key_to_the_delivered_one()
    {
        using var temp = new TempJournal();
        string key = "sha256:" + new string('b', 64) + "|conversation:c|communication:m";
        Directory.CreateDirectory(Path.GetDirectoryName(temp.Path)!);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + temp.Path + ";Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);" + SqliteSchema.Migrations[0] +
                "INSERT INTO schema_version VALUES (1, '2026-11-24T00:00:00.0000000Z');" +
                "INSERT INTO transfers VALUES ('00000000-0000-0000-0000-000000000001', $key, 'c', 'm', '/a.pdf', 'a.pdf', 1, 'application/pdf', 'b', 'x', 'm1', 'Delivered', 'msg', NULL, '{}', '[]', '2026-11-24T10:00:00.0000000Z', '2026-11-24T10:00:00.0000000Z');" +
                "INSERT INTO transfers VALUES ('00000000-0000-0000-0000-000000000002', $key, 'c', 'm', '/a.pdf', 'a.pdf', 1, 'application/pdf', 'b', 'x', 'm2', 'Created', NULL, NULL, '{}', '[]', '2026-11-24T11:00:00.0000000Z', '2026-11-24T11:00:00.0000000Z');";
            command.Parameters.AddWithValue("$key", key);
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using SqliteTransferJournal journal = temp.Open();

        Assert.Equal(Guid.Parse("00000000-0000-0000-0000-000000000001"), journal.Transfers.FindByIdempotencyKey(key)!.TransferId);
        Assert.Equal(2, journal.Transfers.QueryTransfers(new TransferQuery()).Count);
        Assert.StartsWith(key + "|superseded-by-upgrade:", journal.Transfers.GetTransfer(Guid.Parse("00000000-0000-0000-0000-000000000002"))!.IdempotencyKey);
    }

    [Fact]
    public void A_closed_journal_refuses_work()
    {
        using var temp = new TempJournal();
        SqliteTransferJournal journal = temp.Open();
        journal.Dispose();

        Assert.Throws<ObjectDisposedException>(() => journal.Transfers.GetTransfer(Guid.NewGuid()));
    }

    [Fact]
    public void The_native_library_comes_from_the_runtimes_folder_beside_the_engine()
    {
        using var temp = new TempJournal();
        temp.Open().Dispose();

        string expected = Path.Combine("runtimes", SqliteNativeLibrary.RuntimeIdentifier, "native", SqliteNativeLibrary.FileName);
        Assert.NotNull(SqliteNativeLibrary.LoadedFrom);
        Assert.EndsWith(expected, SqliteNativeLibrary.LoadedFrom);
        Assert.Equal(Path.GetDirectoryName(typeof(SqliteTransferJournal).Assembly.Location), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SqliteNativeLibrary.LoadedFrom)!, "..", "..", "..")));
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Equal("linux-x64", SqliteNativeLibrary.RuntimeIdentifier);
            Assert.Contains(SqliteNativeLibrary.LoadedFrom, File.ReadAllText("/proc/self/maps"));
        }
    }

    private static JournalTransfer Transfer(string name, string status, DateTimeOffset createdAt)
    {
        string sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + createdAt.Ticks))).ToLowerInvariant();
        return new JournalTransfer
        {
            TransferId = Guid.NewGuid(),
            IdempotencyKey = "sha256:" + sha + "|conversation:conversation-1|communication:communication-1",
            ConversationId = "conversation-1",
            CommunicationId = "communication-1",
            FilePath = "/data/outbox/" + name,
            FileName = name,
            Length = 4096,
            ContentType = "application/pdf",
            Sha256 = sha,
            ContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==",
            MediaId = "media-" + name,
            Status = status,
            MetadataJson = "{\"storageBucketReference\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}",
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddTicks(1234567),
        };
    }

    private static TransferHistoryEntry Entry(string @event) => new(T0, @event, "media-1", null);

    private static JournalTransfer Copy(JournalTransfer t) => new()
    {
        TransferId = t.TransferId,
        IdempotencyKey = t.IdempotencyKey,
        ConversationId = t.ConversationId,
        CommunicationId = t.CommunicationId,
        FilePath = t.FilePath,
        FileName = t.FileName,
        Length = t.Length,
        ContentType = t.ContentType,
        Sha256 = t.Sha256,
        ContentMd5 = t.ContentMd5,
        MediaId = t.MediaId,
        Status = t.Status,
        MetadataJson = t.MetadataJson,
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
    };

    private static OutboxItem Item(string key, DateTimeOffset enqueuedAt, DateTimeOffset? nextAttemptAt = null, string source = "/data/outbox/invoice.pdf") => new()
    {
        DocumentKey = key,
        Kind = "transfer",
        TransferId = Guid.NewGuid(),
        ConversationId = "conversation-1",
        MessageId = "message-1",
        Source = source,
        FileName = "invoice.pdf",
        ContentType = "application/pdf",
        Sha256 = new string('a', 64),
        Length = 4096,
        MetadataJson = "{\"retentionDays\":30}",
        State = OutboxState.Pending,
        EnqueuedAt = enqueuedAt,
        NextAttemptAt = nextAttemptAt ?? enqueuedAt,
    };
}
