using System;
using System.IO;
using GenesysFileTransfer.Engine.Audit;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Journal.Sqlite.SqliteDatabase;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// The embedded journal: one SQLite file in WAL mode that several threads and processes can share. Every method
    /// of its roles runs on its own pooled connection and is one statement or one <c>BEGIN IMMEDIATE</c> transaction,
    /// so it is atomic against every other writer; a busy file is waited for, not failed. Commits are synchronous
    /// (<c>synchronous = FULL</c>): a transfer recorded as delivered stays recorded through a crash or a power cut.
    /// </summary>
    public sealed class SqliteTransferJournal : ITransferJournal
    {
        private readonly SqliteDatabase _db;

        private SqliteTransferJournal(SqliteDatabase db)
        {
            _db = db;
            Transfers = new SqliteTransferStore(db);
            Events = new SqliteEventLedger(db);
            Outbox = new SqliteDocumentOutbox(db);
        }

        /// <summary>The full path of the journal file.</summary>
        public string Location => _db.Location;

        public ITransferStore Transfers { get; }

        public IEventLedger Events { get; }

        public IDocumentOutbox Outbox { get; }

        /// <summary>Statements and commits this process has run on journal files (SQLite runs in-process: no network round trip).</summary>
        public long RoundTrips => SqliteDatabase.Statements;

        /// <summary>For tests: the file's database, to run statements on its pooled connections.</summary>
        internal SqliteDatabase Database => _db;

        /// <summary>
        /// The per-user journal: <c>%LOCALAPPDATA%\GenesysFileTransfer\journal.db</c> on Windows, elsewhere
        /// <c>$XDG_STATE_HOME/GenesysFileTransfer/journal.db</c> or <c>~/.local/state/GenesysFileTransfer/journal.db</c>,
        /// beside the default audit folder.
        /// </summary>
        public static string DefaultPath => Path.Combine(Path.GetDirectoryName(AuditLog.DefaultDirectory)!, "journal.db");

        /// <summary>The schema version this build writes; older journals are upgraded when opened.</summary>
        public static int SchemaVersion => SqliteSchema.LatestVersion;

        /// <summary>
        /// Opens (creating it and its folder when missing) the journal at <paramref name="path"/> and brings its schema
        /// up to date. Throws <see cref="TransferJournalException"/> for a file that is not a journal, one written by a
        /// newer version of the module, or a platform without a native SQLite library.
        /// </summary>
        public static SqliteTransferJournal Open(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("The journal path must not be empty.", nameof(path));
            }

            string fullPath = Path.GetFullPath(path);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new TransferJournalException(fullPath, $"The folder of the transfer journal '{fullPath}' cannot be created: {ex.Message}", ex);
            }

            SqliteNativeLibrary.EnsureLoaded();
            var db = new SqliteDatabase(fullPath);
            try
            {
                Migrate(db);
            }
            catch
            {
                db.Dispose();
                throw;
            }

            return new SqliteTransferJournal(db);
        }

        public void Dispose() => _db.Dispose();

        public override string ToString() => Location;

        private static void Migrate(SqliteDatabase db) => db.Run("be opened", connection =>
        {
            using (SqliteCommand wal = Command(connection, null, "PRAGMA journal_mode = WAL;"))
            {
                // Readers never block the writer and a crash never leaves a half-written page: the mode is kept in the file.
                string? mode = wal.ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new TransferJournalException(db.Location, $"The transfer journal '{db.Location}' cannot use write-ahead logging (journal mode '{mode}'); keep it on a local disk.");
                }
            }

            // A journal already at this version is opened with a read alone: opening never waits for the write lock,
            // so reading a journal works while another process is writing (or is stopped in the middle of a write).
            using (SqliteCommand peek = Command(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version;"))
            {
                try
                {
                    if ((long)peek.ExecuteScalar()! == SqliteSchema.LatestVersion)
                    {
                        return (long)SqliteSchema.LatestVersion;
                    }
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
                {
                    // No schema_version table yet: a new journal, created below.
                }
            }

            // One transaction with the write lock: two processes opening a new journal at once migrate it once.
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);");
            long current;
            using (SqliteCommand read = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;"))
            {
                current = (long)read.ExecuteScalar()!;
            }

            if (current > SqliteSchema.LatestVersion)
            {
                throw new TransferJournalException(
                    db.Location,
                    $"The transfer journal '{db.Location}' has schema version {current}, written by a newer version of the module; this version understands up to {SqliteSchema.LatestVersion}. Update the module or use another -JournalPath.");
            }

            for (int version = (int)current + 1; version <= SqliteSchema.LatestVersion; version++)
            {
                Execute(connection, transaction, SqliteSchema.Migrations[version - 1]);
                using SqliteCommand record = Command(connection, transaction, "INSERT INTO schema_version (version, applied_at) VALUES ($version, $applied_at);");
                Bind(record, "$version", version);
                Bind(record, "$applied_at", Time(DateTimeOffset.UtcNow));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            return current;
        });
    }
}
