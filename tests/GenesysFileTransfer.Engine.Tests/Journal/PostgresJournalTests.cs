using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Postgres;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// What only the PostgreSQL journal has to prove, against the test run's real server: the schema is created and
/// migrated once by a fleet starting at once, a newer schema is refused, no password ever shows, a lost answer after a
/// commit is retried without applying anything twice, a server restart mid-batch is ridden out, and the audit trail is
/// kept append-only and read back by transfer, conversation and time.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PostgresServer _server;

    public PostgresJournalTests(PostgresServer server) => _server = server;

    [Fact]
    public void Opening_creates_the_schema_once_and_reopening_applies_no_migration_again()
    {
        string journal = _server.NewJournal(nameof(PostgresJournalTests));

        _server.Open(journal).Dispose();
        _server.Open(journal).Dispose();

        Assert.Equal((long)PostgresTransferJournal.SchemaVersion, Convert.ToInt64(_server.Sql(journal, "SELECT MAX(version) FROM schema_version;")));
        Assert.Equal((long)PostgresTransferJournal.SchemaVersion, Convert.ToInt64(_server.Sql(journal, "SELECT COUNT(*) FROM schema_version;")));
        Assert.Equal("transfers_idempotency_key_unique", _server.Sql(journal, "SELECT conname::text FROM pg_constraint WHERE conrelid = 'transfers'::regclass AND contype = 'u';"));
    }

    [Fact]
    public async Task Eight_processes_opening_a_new_journal_at_once_migrate_it_once()
    {
        string journal = _server.NewJournal(nameof(PostgresJournalTests));
        using var start = new Barrier(8);

        PostgresTransferJournal[] opened = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return _server.Open(journal);
        }, TaskCreationOptions.LongRunning)));

        try
        {
            Assert.Equal(1L, Convert.ToInt64(_server.Sql(journal, "SELECT COUNT(*) FROM schema_version;")));
            Assert.All(opened, j => Assert.Empty(j.Transfers.QueryTransfers(new TransferQuery())));
        }
        finally
        {
            foreach (PostgresTransferJournal j in opened)
            {
                j.Dispose();
            }
        }
    }

    [Fact]
    public void A_journal_written_by_a_newer_version_is_refused_untouched()
    {
        string journal = _server.NewJournal(nameof(PostgresJournalTests));
        _server.Open(journal).Dispose();
        _server.Sql(journal, "INSERT INTO schema_version (version) VALUES (999);");

        var error = Assert.Throws<TransferJournalException>(() => _server.Open(journal));

        Assert.Contains("newer version", error.Message);
        Assert.Contains("999", error.Message);
        Assert.Equal(999, Convert.ToInt32(_server.Sql(journal, "SELECT MAX(version) FROM schema_version;")));
    }

    [Fact]
    public void The_location_names_host_port_database_and_user_and_never_the_password()
    {
        string journal = _server.NewJournal(nameof(PostgresJournalTests));
        using PostgresTransferJournal opened = _server.Open(journal);
        string database = _server.Database(nameof(PostgresJournalTests));

        Assert.Equal($"127.0.0.1:{_server.Port}/{database} as {PostgresServer.AppUser}", opened.Location);
        Assert.DoesNotContain(_server.AppPassword, opened.Location);
        Assert.DoesNotContain(_server.AppPassword, opened.ToString());
    }

    [Fact]
    public void A_wrong_password_fails_at_once_with_a_journal_error_that_quotes_no_password()
    {
        string journal = _server.NewJournal(nameof(PostgresJournalTests));
        const string wrong = "not-the-password-0123456789";
        var fromCredential = Assert.Throws<TransferJournalException>(() => PostgresTransferJournal.Open(journal, new System.Net.NetworkCredential(PostgresServer.AppUser, wrong)));
        var fromString = Assert.Throws<TransferJournalException>(() => PostgresTransferJournal.Open(journal + ";Password=" + wrong));

        foreach (TransferJournalException error in new[] { fromCredential, fromString })
        {
            // Refused authentication is final: the message of a retried failure says "(retried for N s)".
            Assert.DoesNotContain("retried for", error.Message);
            Assert.Contains("password authentication failed", error.Message);
            Assert.DoesNotContain(wrong, error.Message);
            Assert.DoesNotContain(wrong, error.Location);
            Assert.DoesNotContain(wrong, error.ToString());
        }
    }

    [Fact]
    public void A_connection_string_Npgsql_cannot_read_is_refused_without_repeating_it()
    {
        var error = Assert.Throws<TransferJournalException>(() => PostgresTransferJournal.Open("Host=db;Port=notaport;Password=s3cret-value-here"));

        Assert.Contains("not a valid Npgsql connection string", error.Message);
        Assert.DoesNotContain("s3cret-value-here", error.Message);
    }

    [Fact]
    public void A_transition_whose_answer_is_lost_after_the_commit_is_recognised_on_retry_and_applied_once()
    {
        using PostgresTransferJournal journal = _server.Open(_server.NewJournal(nameof(PostgresJournalTests)));
        JournalTransfer transfer = Transfer("lost.pdf", "Valid");
        journal.Transfers.InsertOrGet(transfer, Entry("valid"), supersede: false, out _);
        journal.Database.LoseAnswerAfterCommit = attempt => attempt == 1;

        transfer.Status = "Delivered";
        transfer.MessageId = "message-1";
        JournalTransfer? moved = journal.Transfers.TryTransition(transfer, 0, Entry("delivered"), Item("transfer/" + transfer.TransferId));
        journal.Database.LoseAnswerAfterCommit = null;

        Assert.NotNull(moved);
        Assert.Equal(1, moved!.Version);
        Assert.Equal("Delivered", journal.Transfers.GetTransfer(transfer.TransferId)!.Status);
        Assert.Equal(new[] { "valid", "delivered" }, journal.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
        Assert.Single(journal.Outbox.GetOutbox(null));
        // A real conflict is still a conflict: another writer's version is not mistaken for this call's.
        Assert.Null(journal.Transfers.TryTransition(transfer, 0, Entry("delivered again")));
    }

    [Fact]
    public void A_recorded_event_whose_answer_is_lost_is_reported_as_new_with_what_it_wrote()
    {
        using PostgresTransferJournal journal = _server.Open(_server.NewJournal(nameof(PostgresJournalTests)));
        journal.Outbox.Enqueue(Item("doc/taken"));
        var record = new WebhookEventRecord("open-messaging", "event-lost", T0) { MessageId = "message-1", Status = "Delivered", StatusRank = 2 };
        record.OutboxItems.Add(Item("doc/new"));
        record.OutboxItems.Add(Item("doc/taken"));
        journal.Database.LoseAnswerAfterCommit = attempt => attempt == 1;

        WebhookEventRecorded recorded = journal.Events.RecordEvent(record);
        journal.Database.LoseAnswerAfterCommit = null;

        Assert.True(recorded.IsNew);
        Assert.Equal(new[] { true, false }, recorded.Enqueued);
        Assert.True(recorded.StatusAdvanced);
        Assert.Equal("Delivered", recorded.MessageStatus);
        Assert.Equal(2, journal.Outbox.GetOutbox(null).Count);
        Assert.False(journal.Events.RecordEvent(record).IsNew);
    }

    [Fact]
    public void Every_write_whose_answer_is_lost_reports_what_it_did_and_does_it_once()
    {
        using PostgresTransferJournal journal = _server.Open(_server.NewJournal(nameof(PostgresJournalTests)));
        journal.Database.LoseAnswerAfterCommit = attempt => attempt == 1;

        JournalTransfer transfer = Transfer("insert.pdf", "Pending");
        journal.Transfers.InsertOrGet(transfer, Entry("recorded"), supersede: false, out bool inserted);
        bool recorded = journal.Events.TryRecordEvent("open-messaging", "event-1", T0);
        bool advanced = journal.Events.AdvanceMessageStatus("message-1", "Delivered", 2, T0);
        bool enqueued = journal.Outbox.Enqueue(Item("doc/1"));
        journal.Outbox.Enqueue(Item("doc/2"));
        OutboxItem? claimed = journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        bool archived = journal.Outbox.MarkArchived("doc/1", "worker-a", "/dms/doc1.pdf", T0);
        OutboxChangeResult abandoned = journal.Outbox.Abandon("doc/2", "test", "ops@host", T0);
        journal.Database.LoseAnswerAfterCommit = null;

        Assert.True(inserted);
        Assert.Equal(new[] { "recorded" }, journal.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
        Assert.True(recorded);
        Assert.False(journal.Events.TryRecordEvent("open-messaging", "event-1", T0));
        Assert.True(advanced);
        Assert.True(enqueued);
        Assert.Equal("doc/1", claimed!.DocumentKey);
        Assert.Equal(1, claimed.Attempts);
        Assert.True(archived);
        Assert.Equal(OutboxChange.Changed, abandoned.Change);
        Assert.Equal(OutboxState.Archived, journal.Outbox.GetItem("doc/1")!.State);
        Assert.Equal(OutboxState.Abandoned, journal.Outbox.GetItem("doc/2")!.State);
        Assert.Equal(0, journal.Outbox.GetItem("doc/2")!.Attempts);
    }

    [Fact]
    public async Task A_server_restart_mid_batch_is_ridden_out_and_no_transition_is_applied_twice()
    {
        string connection = _server.NewJournal(nameof(PostgresJournalTests));
        using PostgresTransferJournal journal = _server.Open(connection);
        JournalTransfer[] transfers = Enumerable.Range(0, 200).Select(i => Transfer("restart-" + i + ".pdf", "Created")).ToArray();
        int moved = 0;

        Task batch = Task.Factory.StartNew(() =>
        {
            foreach (JournalTransfer transfer in transfers)
            {
                journal.Transfers.InsertOrGet(transfer, Entry("created"), supersede: false, out _);
                transfer.Status = "Uploaded";
                if (journal.Transfers.TryTransition(transfer, 0, Entry("uploaded")) != null)
                {
                    Interlocked.Increment(ref moved);
                }

                Thread.Sleep(5);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.Delay(300);
        _server.Restart(downFor: TimeSpan.FromSeconds(1));
        await batch;

        Assert.Equal(200, moved);
        Assert.Equal(200L, Convert.ToInt64(_server.Sql(connection, "SELECT COUNT(*) FROM transfers WHERE status = 'Uploaded' AND version = 1;")));
        Assert.Equal(400L, Convert.ToInt64(_server.Sql(connection, "SELECT COUNT(*) FROM transfer_history;")));
    }

    [Fact]
    public void Audit_records_are_read_back_by_transfer_conversation_and_time_and_cannot_be_changed()
    {
        string connection = _server.NewJournal(nameof(PostgresJournalTests));
        using PostgresTransferJournal journal = _server.Open(connection);
        Guid transfer = Guid.NewGuid();
        journal.AppendAudit(new[]
        {
            Stored(T0, "create", transfer, "conversation-1"),
            Stored(T0.AddMinutes(1), "deliver", transfer, "conversation-1"),
            Stored(T0.AddMinutes(2), "webhook", null, "conversation-2"),
            Stored(T0.AddMinutes(3), "connect", null, null),
        });

        Assert.Equal(new[] { "create", "deliver" }, journal.QueryAudit(new AuditQuery { TransferId = transfer }).Select(r => r.Operation));
        Assert.Equal(new[] { "webhook" }, journal.QueryAudit(new AuditQuery { ConversationId = "conversation-2" }).Select(r => r.Operation));
        Assert.Equal(new[] { "deliver", "webhook" }, journal.QueryAudit(new AuditQuery { Since = T0.AddMinutes(1), Until = T0.AddMinutes(3) }).Select(r => r.Operation));
        Assert.Equal(new[] { "webhook", "connect" }, journal.QueryAudit(new AuditQuery { Newest = 2 }).Select(r => r.Operation));
        StoredAuditRecord first = journal.QueryAudit(new AuditQuery { Operation = "create" }).Single();
        Assert.Equal("{\"operation\":\"create\",\"transferId\":\"" + transfer + "\"}", first.Json);
        Assert.Equal(T0, first.Time);

        var update = Assert.ThrowsAny<Npgsql.PostgresException>(() => _server.Sql(connection, "UPDATE audit_records SET operation = 'forged';"));
        var delete = Assert.ThrowsAny<Npgsql.PostgresException>(() => _server.Sql(connection, "DELETE FROM audit_records;"));
        Assert.Contains("append-only", update.MessageText);
        Assert.Contains("append-only", delete.MessageText);
        Assert.Equal(4L, Convert.ToInt64(_server.Sql(connection, "SELECT COUNT(*) FROM audit_records WHERE operation <> 'forged';")));
    }

    [Fact]
    public void The_audit_log_mirrored_into_the_journal_holds_the_same_json_as_the_daily_file()
    {
        string connection = _server.NewJournal(nameof(PostgresJournalTests));
        using PostgresTransferJournal journal = _server.Open(connection);
        string folder = Path.Combine(Path.GetTempPath(), "gft-audit-" + Guid.NewGuid().ToString("N"));
        Guid transfer = Guid.NewGuid();
        try
        {
            using (AuditLog log = AuditLog.Open(folder))
            using (JournalAuditSink sink = JournalAuditSink.Attach(log, journal))
            {
                log.Write(new AuditRecord("upload", "retry")
                {
                    TransferId = transfer,
                    ConversationId = "conversation-9",
                    Target = "https://upload.example.test/m/1?X-Amz-Signature=abcdef0123456789",
                    HttpStatus = 503,
                    Attempt = 2,
                    LatencyMs = 12.345,
                    RetryAfterSeconds = 1.5,
                    Detail = "a detail",
                });
                Assert.True(sink.Flush());
            }

            string fileLine = File.ReadAllLines(Directory.GetFiles(folder, "audit-*.jsonl").Single()).Single();
            StoredAuditRecord stored = journal.QueryAudit(new AuditQuery { TransferId = transfer }).Single();
            static string WithoutTime(string json) => System.Text.RegularExpressions.Regex.Replace(json, "^\\{\"time\":\"[^\"]+\",", "{");
            // The file's own hash chain (sequence, previous and own hash) belongs to the file; the table is append-only by itself.
            static string WithoutFileChain(string json) => System.Text.RegularExpressions.Regex.Replace(json, ",\"seq\":\\d+,\"prev\":\"[0-9a-f]+\",\"hash\":\"[0-9a-f]+\"\\}$", "}");

            Assert.Matches(",\"seq\":1,\"prev\":\"[0-9a-f]{64}\",\"hash\":\"[0-9a-f]{64}\"\\}$", fileLine);
            Assert.Equal(WithoutTime(WithoutFileChain(fileLine)), WithoutTime(stored.Json));
            Assert.DoesNotContain("abcdef0123456789", stored.Json);
            Assert.Equal("conversation-9", stored.ConversationId);
            Assert.Equal("upload", stored.Operation);
            Assert.StartsWith(Environment.MachineName + "/", stored.Host);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static StoredAuditRecord Stored(DateTimeOffset time, string operation, Guid? transfer, string? conversation) => new()
    {
        Time = time,
        Operation = operation,
        Outcome = "success",
        TransferId = transfer,
        ConversationId = conversation,
        Host = "test/1",
        Json = "{\"operation\":\"" + operation + "\"" + (transfer is null ? string.Empty : ",\"transferId\":\"" + transfer + "\"") + "}",
    };

    private static JournalTransfer Transfer(string name, string status)
    {
        string sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + Guid.NewGuid()))).ToLowerInvariant();
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
            Status = status,
            CreatedAt = T0,
            UpdatedAt = T0,
        };
    }

    private static TransferHistoryEntry Entry(string @event) => new(T0, @event, "media-1", null);

    private static OutboxItem Item(string key) => new()
    {
        DocumentKey = key,
        Kind = "transfer",
        TransferId = Guid.NewGuid(),
        Source = "/data/outbox/invoice.pdf",
        FileName = "invoice.pdf",
        Sha256 = new string('a', 64),
        Length = 4096,
        MetadataJson = "{}",
        State = OutboxState.Pending,
        EnqueuedAt = T0,
        NextAttemptAt = T0,
    };
}
