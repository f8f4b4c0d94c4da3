using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Transfers;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Journal;

public class SqliteTransferJournalTests
{

    [Fact]
    public void A_journal_at_the_current_version_opens_and_reads_while_another_process_holds_the_write_lock()
    {
        using var temp = new TempJournal();
        using (SqliteTransferJournal first = temp.Open())
        {
            first.Events.AdvanceMessageStatus("message-1", "Sent", 1, T0);
        }

        // Another process in the middle of a write (or stopped there) holds the write lock.
        using var writer = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + temp.Path + ";Pooling=False");
        writer.Open();
        using var held = writer.BeginTransaction(deferred: false);

        using SqliteTransferJournal reader = temp.Open();

        Assert.Equal("Sent", reader.Events.GetMessageStatus("message-1"));
    }

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
    public void A_pooled_connection_keeps_the_busy_wait_and_synchronous_commits_set_once()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();

        for (int i = 0; i < 5; i++)
        {
            journal.Events.AdvanceMessageStatus("message-1", "Sent", i, T0);
            (long busy, long synchronous) = journal.Database.Run("read the connection settings", connection =>
            {
                using var busyTimeout = connection.CreateCommand();
                busyTimeout.CommandText = "PRAGMA busy_timeout;";
                using var sync = connection.CreateCommand();
                sync.CommandText = "PRAGMA synchronous;";
                return ((long)busyTimeout.ExecuteScalar()!, (long)sync.ExecuteScalar()!);
            });

            Assert.Equal(30000, busy);
            Assert.Equal(2, synchronous); // FULL
        }

        // Calls one after another reuse the pooled connection: its settings were made once, not per call.
        Assert.Equal(1, journal.Database.ConnectionsPrepared);

        // The premise: the pool hands back the native connection with its per-connection settings as the last call
        // left them (synchronous = FULL is also SQLite's default, so a distinct value shows it).
        journal.Database.Run("change a connection setting", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA cache_size = -1234;";
            return command.ExecuteNonQuery();
        });
        long cacheSize = journal.Database.Run("read a connection setting", connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA cache_size;";
            return (long)command.ExecuteScalar()!;
        });
        Assert.Equal(-1234, cacheSize);
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
}
