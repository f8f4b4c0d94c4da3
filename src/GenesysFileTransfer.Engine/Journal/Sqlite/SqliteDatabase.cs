using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using GenesysFileTransfer.Engine.Concurrency;
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
        private const int BusyTimeoutMs = 30000;
        private static long _statements;
        private static readonly object Marker = new object();

        /// <summary>
        /// One write queue per journal file for this process's write transactions. SQLite lets one writer in at a time
        /// and makes the others poll with growing sleeps (up to 100 ms each), which under many concurrent callbacks
        /// turns into long, uneven waits; threads of one process queue here instead, and whoever writes next commits
        /// everything queued so far in one transaction (<see cref="InTransaction"/>). Other processes still meet at
        /// SQLite's lock (busy_timeout).
        /// </summary>
        private static readonly ConcurrentDictionary<string, GroupCommit<PendingWork>> WriteGroups = new ConcurrentDictionary<string, GroupCommit<PendingWork>>(StringComparer.Ordinal);

        /// <summary>
        /// The native connections this process has set the PRAGMAs on. Keyed by the native handle, which the pool keeps
        /// across <c>Open</c>/<c>Close</c> of the ADO.NET object: the PRAGMAs are per native connection and stay set
        /// for its life. Weak, so a handle the pool drops (closed, cleared) is forgotten with it.
        /// </summary>
        private static readonly ConditionalWeakTable<sqlite3, object> Prepared = new ConditionalWeakTable<sqlite3, object>();
        private readonly string _connectionString;
        private int _disposed;
        private long _connectionsPrepared;
        private readonly GroupCommit<PendingWork> _writeGroup;

        public SqliteDatabase(string path)
        {
            Location = path;
            _writeGroup = WriteGroups.GetOrAdd(path, _ => new GroupCommit<PendingWork>(CommitBatch));
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

        /// <summary>Write transactions of this process waiting for the one being written on this file.</summary>
        internal int QueuedWrites
        {
            get { return _writeGroup.Queued; }
        }

        /// <summary>Native connections this instance has set the PRAGMAs on (new connections, not calls).</summary>
        internal long ConnectionsPrepared => Interlocked.Read(ref _connectionsPrepared);

        /// <summary>Runs <paramref name="work"/> on an open connection; <paramref name="action"/> completes "could not …" in errors.</summary>
        public T Run<T>(string action, Func<SqliteConnection, T> work)
        {
            ThrowIfDisposed();
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
        /// <remarks>
        /// Group commit: write transactions of this process on the same file queue (see <see cref="WriteGroups"/>); a
        /// caller that finds another batch being written waits, and the next caller to write takes every queued work
        /// into one transaction, each inside its own savepoint. A work that throws is rolled back to its savepoint
        /// alone and its caller gets the exception; the others commit together, with one synchronous flush for all of
        /// them. Each caller returns only after the commit that holds its work, so nothing is acknowledged early; the
        /// works of a batch run one after another, each seeing the ones before it, as if they had taken turns.
        /// </remarks>
        public T InTransaction<T>(string action, Func<SqliteConnection, SqliteTransaction, T> work)
        {
            ThrowIfDisposed();
            var mine = new PendingWork(this, (connection, transaction) => work(connection, transaction));
            _writeGroup.Submit(mine);
            return Outcome<T>(action, mine);
        }

        /// <summary>
        /// <see cref="InTransaction"/> for callers on the thread pool: the same transaction and group commit, but a caller
        /// that waits for the batch being written holds no thread meanwhile.
        /// </summary>
        public async Task<T> InTransactionAsync<T>(string action, Func<SqliteConnection, SqliteTransaction, T> work)
        {
            ThrowIfDisposed();
            var mine = new PendingWork(this, (connection, transaction) => work(connection, transaction));
            await _writeGroup.SubmitAsync(mine).ConfigureAwait(false);
            return Outcome<T>(action, mine);
        }

        private T Outcome<T>(string action, PendingWork mine)
        {
            if (mine.Failure is SqliteException sqlite)
            {
                throw new TransferJournalException(Location, $"The transfer journal '{Location}' could not {action}: {sqlite.Message}", sqlite);
            }

            if (mine.Failure != null)
            {
                ExceptionDispatchInfo.Capture(mine.Failure).Throw();
            }

            return (T)mine.Value!;
        }

        /// <summary>Runs a batch on a connection of its first work's instance (every instance on a file reaches it alike).</summary>
        private static void CommitBatch(IReadOnlyList<PendingWork> batch)
        {
            try
            {
                SqliteDatabase owner = batch[0].Owner;
                using var connection = new SqliteConnection(owner._connectionString);
                connection.Open();
                owner.Prepare(connection);
                using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                if (batch.Count == 1)
                {
                    // Alone: no savepoint needed; a throw leaves the transaction uncommitted (rolled back on dispose).
                    try
                    {
                        batch[0].Value = batch[0].Work(connection, transaction);
                    }
                    catch (Exception ex)
                    {
                        batch[0].Failure = ex;
                        return;
                    }
                }
                else
                {
                    foreach (PendingWork pending in batch)
                    {
                        Execute(connection, transaction, "SAVEPOINT batch_item;");
                        try
                        {
                            pending.Value = pending.Work(connection, transaction);
                        }
                        catch (Exception ex)
                        {
                            pending.Failure = ex;
                            Execute(connection, transaction, "ROLLBACK TO batch_item;");
                        }

                        Execute(connection, transaction, "RELEASE batch_item;");
                    }
                }

                Interlocked.Increment(ref _statements);
                transaction.Commit();
            }
            catch (Exception ex)
            {
                // The transaction did not commit: none of the batch's works was recorded.
                foreach (PendingWork pending in batch)
                {
                    pending.Failure ??= ex;
                    pending.Value = null;
                }
            }
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(SqliteTransferJournal), $"The transfer journal '{Location}' is closed.");
            }
        }

        private sealed class PendingWork
        {
            public PendingWork(SqliteDatabase owner, Func<SqliteConnection, SqliteTransaction, object?> work)
            {
                Owner = owner;
                Work = work;
            }

            public SqliteDatabase Owner { get; }

            public Func<SqliteConnection, SqliteTransaction, object?> Work { get; }

            public object? Value { get; set; }

            public Exception? Failure { get; set; }
        }

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

        public static string Time(DateTimeOffset time) => JournalTime.Time(time);

        public static string? Time(DateTimeOffset? time) => JournalTime.Time(time);
    }
}
