using System;
using System.Collections.Generic;
using System.Net;
using GenesysFileTransfer.Engine.Audit;
using Npgsql;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// The shared journal: one PostgreSQL database that any number of processes on any number of machines share (Azure
    /// Automation sandboxes, load-balanced listeners, Sync workers). The same contract as the SQLite journal, with row
    /// locks instead of a file lock: leases and compare-and-set transitions on transfers, <c>FOR UPDATE SKIP LOCKED</c>
    /// claims on the outbox, uniqueness by constraints, every transition one transaction. It also keeps the audit trail
    /// (<see cref="IAuditRecordStore"/>), so the audit of a sandboxed run outlives it.
    /// </summary>
    public sealed class PostgresTransferJournal : ITransferJournal, IAuditRecordStore
    {
        private readonly PostgresDatabase _db;
        private readonly PostgresAuditStore _audit;

        private PostgresTransferJournal(PostgresDatabase db)
        {
            _db = db;
            Transfers = new PostgresTransferStore(db);
            Events = new PostgresEventLedger(db);
            Outbox = new PostgresDocumentOutbox(db);
            _audit = new PostgresAuditStore(db);
        }

        /// <summary><c>host:port/database as user</c>: where the journal is, never a password.</summary>
        public string Location => _db.Location;

        public ITransferStore Transfers { get; }

        public IEventLedger Events { get; }

        public IDocumentOutbox Outbox { get; }

        /// <summary>Statements and commits sent to the server since the journal was opened.</summary>
        public long RoundTrips => _db.RoundTrips;

        /// <summary>The schema version this build writes; older journals are upgraded when opened.</summary>
        public static int SchemaVersion => PostgresSchema.LatestVersion;

        /// <summary>How long one operation retries a lost connection or a restarting server before it fails.</summary>
        public TimeSpan RetryBudget
        {
            get => _db.RetryBudget;
            set => _db.RetryBudget = value;
        }

        /// <summary>
        /// Opens the journal in the database <paramref name="connectionString"/> names (an Npgsql connection string:
        /// <c>Host=…;Database=…;Username=…;SSL Mode=…</c>), creating its tables on first use and upgrading them in place.
        /// The password is <paramref name="credential"/>'s when given (its user name, when not empty, replaces the
        /// connection string's), else the connection string's, else Npgsql's own sources (<c>PGPASSWORD</c>, a
        /// <c>.pgpass</c> file). Throws <see cref="TransferJournalException"/> when the server cannot be reached or
        /// refuses, or when the journal was written by a newer version of the module.
        /// </summary>
        public static PostgresTransferJournal Open(string connectionString, NetworkCredential? credential = null, TimeSpan? retryBudget = null)
        {
            NpgsqlConnectionStringBuilder settings = Settings(connectionString, credential);
            string location = Describe(settings);
            var db = new PostgresDatabase(settings, location);
            if (retryBudget is TimeSpan budget)
            {
                db.RetryBudget = budget;
            }

            try
            {
                Migrate(db);
            }
            catch
            {
                db.Dispose();
                throw;
            }

            return new PostgresTransferJournal(db);
        }

        /// <summary>
        /// The connection settings with the credential applied and the module's defaults where the string says nothing:
        /// an application name (visible in <c>pg_stat_activity</c>) and a 15 s connect timeout. Throws
        /// <see cref="TransferJournalException"/> for a string Npgsql cannot read (the message never repeats it).
        /// </summary>
        internal static NpgsqlConnectionStringBuilder Settings(string connectionString, NetworkCredential? credential)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new ArgumentException("The journal connection string must not be empty.", nameof(connectionString));
            }

            NpgsqlConnectionStringBuilder settings;
            try
            {
                settings = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException || ex is InvalidCastException || ex is KeyNotFoundException)
            {
                // The text of the error may quote the string, which may hold a password: name the problem only.
                throw new TransferJournalException("postgresql", "The journal connection string is not a valid Npgsql connection string (" + ex.GetType().Name + "). Use 'Host=<server>;Database=<database>;Username=<user>' and pass the password with -JournalCredential.", null);
            }

            if (credential != null)
            {
                if (!string.IsNullOrEmpty(credential.UserName))
                {
                    settings.Username = credential.UserName;
                }

                settings.Password = credential.Password;
            }

            if (string.IsNullOrEmpty(settings.ApplicationName))
            {
                settings.ApplicationName = "GenesysFileTransfer";
            }

            settings.PersistSecurityInfo = false;
            return settings;
        }

        /// <summary><c>host:port/database as user</c>, from the settings or the PG* environment variables Npgsql also reads.</summary>
        internal static string Describe(NpgsqlConnectionStringBuilder settings)
        {
            string host = settings.Host ?? Environment.GetEnvironmentVariable("PGHOST") ?? "localhost";
            string port = settings.Port != NpgsqlConnection.DefaultPort ? settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Environment.GetEnvironmentVariable("PGPORT") ?? NpgsqlConnection.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string user = settings.Username ?? Environment.GetEnvironmentVariable("PGUSER") ?? Environment.UserName;
            string database = settings.Database ?? Environment.GetEnvironmentVariable("PGDATABASE") ?? user;
            return host + ":" + port + "/" + database + " as " + user;
        }

        internal PostgresDatabase Database => _db;

        public void AppendAudit(IReadOnlyList<StoredAuditRecord> records) => _audit.AppendAudit(records);

        public IReadOnlyList<StoredAuditRecord> QueryAudit(AuditQuery query) => _audit.QueryAudit(query);

        public void Dispose() => _db.Dispose();

        public override string ToString() => Location;

        private static void Migrate(PostgresDatabase db) => db.InTransaction("be opened", session =>
        {
            // One migrator at a time per schema, for the length of this transaction: a fleet starting at once migrates once.
            session.Execute("SELECT pg_advisory_xact_lock(hashtextextended('GenesysFileTransfer.journal:' || current_schema(), 7));");
            session.Execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());");
            int current;
            using (NpgsqlCommand read = session.Command("SELECT COALESCE(MAX(version), 0) FROM schema_version;"))
            {
                current = Convert.ToInt32(session.Scalar(read), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (current > PostgresSchema.LatestVersion)
            {
                throw new TransferJournalException(
                    db.Location,
                    $"The transfer journal '{db.Location}' has schema version {current}, written by a newer version of the module; this version understands up to {PostgresSchema.LatestVersion}. Update the module on every machine that shares this journal, or use another database.");
            }

            for (int version = current + 1; version <= PostgresSchema.LatestVersion; version++)
            {
                session.Execute(PostgresSchema.Migrations[version - 1]);
                using NpgsqlCommand record = session.Command("INSERT INTO schema_version (version) VALUES (@version);");
                record.Parameters.AddWithValue("version", version);
                session.Execute(record);
            }

            return current;
        });
    }
}
