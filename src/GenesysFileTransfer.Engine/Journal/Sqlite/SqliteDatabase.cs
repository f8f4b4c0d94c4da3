using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// One journal file: how to reach it and how to run work on it. Every call runs on a pooled connection with
    /// SQLite's busy wait and synchronous commits (set once per native connection, which the pool keeps open), and every failure becomes a <see cref="TransferJournalException"/>
    /// that names the file and the action. The roles (transfers, events, outbox) share one instance.
    /// </summary>
    internal sealed class SqliteDatabase : IDisposable
    {
        private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
        private const int BusyTimeoutMs = 30000;
        private static long _statements;
        private static readonly object Marker = new object();

        /// <summary>
        /// One gate per journal file for this process's write transactions. SQLite lets one writer in at a time and
        /// makes the others poll with growing sleeps (up to 100 ms each), which under many concurrent callbacks turns
        /// into long, uneven waits; threads of one process queue here instead and enter as soon as the writer before
        /// them commits. Other processes still meet at SQLite's lock (busy_timeout).
        /// </summary>
        private static readonly ConcurrentDictionary<string, object> WriterGates = new ConcurrentDictionary<string, object>(StringComparer.Ordinal);

        /// <summary>
        /// The native connections this process has set the PRAGMAs on. Keyed by the native handle, which the pool keeps
        /// across <c>Open</c>/<c>Close</c> of the ADO.NET object: the PRAGMAs are per native connection and stay set
        /// for its life. Weak, so a handle the pool drops (closed, cleared) is forgotten with it.
        /// </summary>
        private static readonly ConditionalWeakTable<sqlite3, object> Prepared = new ConditionalWeakTable<sqlite3, object>();
        private readonly string _connectionString;
        private int _disposed;
        private long _connectionsPrepared;
        private readonly object _writerGate;

        public SqliteDatabase(string path)
        {
            Location = path;
            _writerGate = WriterGates.GetOrAdd(path, _ => new object());
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = true,
                DefaultTimeout = BusyTimeoutMs / 1000,
            }.ToString();
        }

        public string Location { get; }

        /// <summary>Statements and commits run on any journal file by this process (a measure of the journal's cost per file).</summary>
        public static long Statements => Interlocked.Read(ref _statements);

        /// <summary>Native connections this instance has set the PRAGMAs on (new connections, not calls).</summary>
        internal long ConnectionsPrepared => Interlocked.Read(ref _connectionsPrepared);

        /// <summary>Runs <paramref name="work"/> on an open connection; <paramref name="action"/> completes "could not …" in errors.</summary>
        public T Run<T>(string action, Func<SqliteConnection, T> work)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(SqliteTransferJournal), $"The transfer journal '{Location}' is closed.");
            }

            try
            {
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                Prepare(connection);
                return work(connection);
            }
            catch (SqliteException ex)
            {
                throw new TransferJournalException(Location, $"The transfer journal '{Location}' could not {action}: {ex.Message}", ex);
            }
        }

        /// <summary>
        /// Sets the per-connection PRAGMAs on a native connection the first time this process uses it; a connection
        /// handed back by the pool has them already. A connection is used by one call at a time, so two threads never
        /// prepare the same handle at once (and doing it twice would be harmless).
        /// </summary>
        private void Prepare(SqliteConnection connection)
        {
            sqlite3 handle = connection.Handle!;
            if (Prepared.TryGetValue(handle, out _))
            {
                return;
            }

            using (SqliteCommand pragmas = connection.CreateCommand())
            {
                Interlocked.Increment(ref _statements);
                // SQLite itself waits for a busy file (another process writing) before giving up; every commit is
                // flushed to disk before it returns.
                pragmas.CommandText = "PRAGMA busy_timeout = " + BusyTimeoutMs.ToString(CultureInfo.InvariantCulture) + "; PRAGMA synchronous = FULL;";
                pragmas.ExecuteNonQuery();
            }

            Interlocked.Increment(ref _connectionsPrepared);
            Prepared.GetValue(handle, _ => Marker);
        }

        /// <summary>
        /// Runs <paramref name="work"/> in one <c>BEGIN IMMEDIATE</c> transaction: the write lock is taken before the
        /// first read, so no other process can change what was read before this one writes. Committed when
        /// <paramref name="work"/> returns, rolled back when it throws.
        /// </summary>
        /// <remarks>Write transactions of this process on the same file take turns at a gate first (see <see cref="WriterGates"/>).</remarks>
        public T InTransaction<T>(string action, Func<SqliteConnection, SqliteTransaction, T> work) =>
            Run(action, connection =>
            {
                lock (_writerGate)
                {
                    using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                    T result = work(connection, transaction);
                    Interlocked.Increment(ref _statements);
                    transaction.Commit();
                    return result;
                }
            });

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            // Pooled connections would keep the file (and its -wal and -shm companions) open until the process ends.
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
        {
            Interlocked.Increment(ref _statements);
            SqliteCommand command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
        {
            using SqliteCommand command = Command(connection, transaction, sql);
            command.ExecuteNonQuery();
        }

        public static void Bind(SqliteCommand command, string name, object? value) =>
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);

        public static string Id(Guid id) => id.ToString("D");

        public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

        public static string? Time(DateTimeOffset? time) => time is DateTimeOffset value ? Time(value) : null;

        public static DateTimeOffset ParseTime(string text) =>
            new DateTimeOffset(DateTime.SpecifyKind(DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc));

        public static DateTimeOffset? NullableTime(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? (DateTimeOffset?)null : ParseTime(reader.GetString(ordinal));

        public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }
}
