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
