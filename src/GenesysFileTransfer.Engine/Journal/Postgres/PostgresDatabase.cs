using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using Npgsql;
using NpgsqlTypes;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// One journal database on a PostgreSQL server: how to reach it and how to run work on it safely. Every call runs
    /// on a pooled connection; a dropped connection, a server restart or a failover is retried (with backoff, for up to
    /// <see cref="RetryBudget"/>), and every other failure becomes a <see cref="TransferJournalException"/> that names the
    /// journal by <see cref="Location"/> (host, port, database and user: never a password).
    /// </summary>
    /// <remarks>
    /// A retry after a failed COMMIT cannot know whether the first attempt committed. Every mutating operation
    /// therefore carries an operation token (a GUID chosen once per call and kept across attempts) that it writes with
    /// its change; an attempt that finds its compare-and-set no longer applies checks for its own token and reports the
    /// change as done instead of applying it again or reporting a conflict.
    /// </remarks>
    internal sealed class PostgresDatabase : IDisposable
    {
        // A connection string, not an NpgsqlDataSource: the netstandard2.0 build of Npgsql brings its own DbDataSource
        // type, which does not load beside a newer runtime's; pooling is per connection string either way.
        private readonly string _connectionString;
        private readonly string? _secret;
        private long _roundTrips;
        private int _disposed;

        public PostgresDatabase(NpgsqlConnectionStringBuilder settings, string location)
        {
            Location = location;
            _secret = settings.Password;
            _connectionString = settings.ConnectionString;
        }

        public string Location { get; }

        /// <summary>How long an operation keeps retrying a lost connection or a restarting server before it fails.</summary>
        public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(45);

        /// <summary>Statements sent and commits made since the journal was opened (a measure of its cost per file).</summary>
        public long RoundTrips => Interlocked.Read(ref _roundTrips);

        /// <summary>
        /// For tests: asked after each attempt's work committed; true makes the attempt fail as if the connection broke
        /// before the answer arrived (the commit stands, the caller does not know), so the retry path is exercised.
        /// </summary>
        internal Func<int, bool>? LoseAnswerAfterCommit { get; set; }

        public T Run<T>(string action, Func<PostgresSession, T> work) => Execute(action, transactional: false, work);

        /// <summary>
        /// Runs <paramref name="work"/> in one READ COMMITTED transaction, committed when it returns and rolled back
        /// when it throws. Retried as a whole after a connection failure: <paramref name="work"/> sees the attempt number.
        /// </summary>
        public T InTransaction<T>(string action, Func<PostgresSession, T> work) => Execute(action, transactional: true, work);

        private T Execute<T>(string action, bool transactional, Func<PostgresSession, T> work)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(PostgresTransferJournal), $"The transfer journal '{Location}' is closed.");
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan delay = TimeSpan.FromMilliseconds(100);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    using var connection = new NpgsqlConnection(_connectionString);
                    connection.Open();
                    NpgsqlTransaction? transaction = transactional ? connection.BeginTransaction() : null;
                    try
                    {
                        var session = new PostgresSession(this, connection, transaction, attempt);
                        T result = work(session);
                        if (transaction != null)
                        {
                            Interlocked.Increment(ref _roundTrips);
                            transaction.Commit();
                        }

                        if (LoseAnswerAfterCommit?.Invoke(attempt) == true)
                        {
                            throw new IOException("The connection broke before the answer arrived (simulated).");
                        }

                        return result;
                    }
                    finally
                    {
                        transaction?.Dispose();
                    }
                }
                catch (Exception ex) when (IsTransient(ex) && watch.Elapsed + delay < RetryBudget)
                {
                    // The pool may hold more connections to a server that went away; drop them all at once.
                    using (var stale = new NpgsqlConnection(_connectionString))
                    {
                        NpgsqlConnection.ClearPool(stale);
                    }

                    Thread.Sleep(delay);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 3000));
                }
                catch (Exception ex) when (ex is NpgsqlException || ex is IOException || ex is SocketException || ex is TimeoutException || ex is InvalidOperationException && ex.Source == "Npgsql")
                {
                    string retried = IsTransient(ex) ? $" (retried for {watch.Elapsed.TotalSeconds:0} s)" : string.Empty;
                    throw new TransferJournalException(Location, $"The transfer journal '{Location}' could not {action}{retried}: {Scrub(ex.Message)}", ex);
                }
            }
        }

        /// <summary>
        /// True for failures after which the same work may simply be tried again: the connection broke or timed out,
        /// the server is shutting down, starting or out of connections, or it chose this transaction as a deadlock or
        /// serialization victim (rolled back for sure).
        /// </summary>
        internal static bool IsTransient(Exception ex)
        {
            if (ex is PostgresException pg)
            {
                string state = pg.SqlState;
                return pg.IsTransient
                    || state.StartsWith("08", StringComparison.Ordinal)      // connection exception
                    || state == "57P01" || state == "57P02" || state == "57P03" // admin/crash shutdown, cannot connect now
                    || state == "40001" || state == "40P01"                  // serialization failure, deadlock
                    || state == "53300";                                     // too many connections
            }

            if (ex is NpgsqlException npgsql)
            {
                return npgsql.IsTransient || npgsql.InnerException is IOException || npgsql.InnerException is SocketException || npgsql.InnerException is TimeoutException;
            }

            return ex is IOException || ex is SocketException || ex is TimeoutException;
        }

        /// <summary>Error text without the password, whatever a driver or server put in it.</summary>
        internal string Scrub(string message) =>
            Audit.Redaction.Scrub(string.IsNullOrEmpty(_secret) ? message : message.Replace(_secret, Audit.Redaction.Mask));

        internal void CountRoundTrip() => Interlocked.Increment(ref _roundTrips);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // Pooled connections would otherwise stay open on the server until the process ends.
                using var connection = new NpgsqlConnection(_connectionString);
                NpgsqlConnection.ClearPool(connection);
            }
        }
    }

    /// <summary>One attempt of one journal operation: its connection, its transaction (if any) and its attempt number.</summary>
    internal sealed class PostgresSession
    {
        private readonly PostgresDatabase _db;

        public PostgresSession(PostgresDatabase db, NpgsqlConnection connection, NpgsqlTransaction? transaction, int attempt)
        {
            _db = db;
            Connection = connection;
            Transaction = transaction;
            Attempt = attempt;
        }

        public NpgsqlConnection Connection { get; }

        public NpgsqlTransaction? Transaction { get; }

        /// <summary>1 for the first attempt; more after a lost connection (an earlier attempt may have committed).</summary>
        public int Attempt { get; }

        public bool IsRetry => Attempt > 1;

        public NpgsqlCommand Command(string sql)
        {
            var command = new NpgsqlCommand(sql, Connection, Transaction);
            return command;
        }

        public int Execute(NpgsqlCommand command)
        {
            _db.CountRoundTrip();
            return command.ExecuteNonQuery();
        }

        public int Execute(string sql)
        {
            using NpgsqlCommand command = Command(sql);
            return Execute(command);
        }

        public object? Scalar(NpgsqlCommand command)
        {
            _db.CountRoundTrip();
            object? value = command.ExecuteScalar();
            return value is DBNull ? null : value;
        }

        public NpgsqlDataReader Reader(NpgsqlCommand command)
        {
            _db.CountRoundTrip();
            return command.ExecuteReader();
        }

        public static void Bind(NpgsqlCommand command, string name, object? value) =>
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);

        public static void BindText(NpgsqlCommand command, string name, string? value) =>
            command.Parameters.AddWithValue(name, NpgsqlDbType.Text, (object?)value ?? DBNull.Value);

        public static void BindUuid(NpgsqlCommand command, string name, Guid? value) =>
            command.Parameters.AddWithValue(name, NpgsqlDbType.Uuid, value is Guid id ? (object)id : DBNull.Value);

        public static void BindLong(NpgsqlCommand command, string name, long? value) =>
            command.Parameters.AddWithValue(name, NpgsqlDbType.Bigint, value is long number ? (object)number : DBNull.Value);
    }
}
