using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Transfers;
using Microsoft.Data.Sqlite;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// The embedded journal: one SQLite file in WAL mode that several threads and processes can share. Every method
    /// runs on its own pooled connection and is one statement or one <c>BEGIN IMMEDIATE</c> transaction, so it is
    /// atomic against every other writer; a busy file is waited for, not failed. Commits are synchronous
    /// (<c>synchronous = FULL</c>): a transfer recorded as delivered stays recorded through a crash or a power cut.
    /// </summary>
    /// <remarks>
    /// <see cref="OutboxItem.Attempts"/> counts claims: <see cref="ClaimNext"/> increments it, so an attempt cut short
    /// by a crash still counts towards the caller's backoff.
    /// </remarks>
    public sealed class SqliteTransferJournal : ITransferJournal
    {
        private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
        private const string Pending = "pending";
        private const string Archived = "archived";
        private const int BusyTimeoutMs = 30000;

        private const string TransferColumns =
            "transfer_id, idempotency_key, conversation_id, communication_id, file_path, file_name, length, content_type, sha256, " +
            "content_md5, media_id, status, message_id, failure_reason, metadata_json, previous_media_ids, created_at, updated_at";

        private const string OutboxColumns =
            "document_key, kind, transfer_id, conversation_id, message_id, attachment_id, source, file_name, content_type, sha256, " +
            "length, metadata_json, state, attempts, enqueued_at, next_attempt_at, last_error, claimed_by, lease_until, stored_location, archived_at";

        private readonly string _connectionString;
        private int _disposed;

        private SqliteTransferJournal(string path)
        {
            Location = path;
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = true,
                DefaultTimeout = BusyTimeoutMs / 1000,
            }.ToString();
        }

        /// <summary>The full path of the journal file.</summary>
        public string Location { get; }

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
            var journal = new SqliteTransferJournal(fullPath);
            try
            {
                journal.Migrate();
            }
            catch
            {
                journal.Dispose();
                throw;
            }

            return journal;
        }

        public void UpsertTransfer(JournalTransfer transfer)
        {
            if (transfer is null)
            {
                throw new ArgumentNullException(nameof(transfer));
            }

            Run("record transfer " + transfer.TransferId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText =
                    "INSERT INTO transfers (" + TransferColumns + ") VALUES ($transfer_id, $idempotency_key, $conversation_id, $communication_id, " +
                    "$file_path, $file_name, $length, $content_type, $sha256, $content_md5, $media_id, $status, $message_id, $failure_reason, " +
                    "$metadata_json, $previous_media_ids, $created_at, $updated_at) " +
                    "ON CONFLICT (transfer_id) DO UPDATE SET idempotency_key = excluded.idempotency_key, conversation_id = excluded.conversation_id, " +
                    "communication_id = excluded.communication_id, file_path = excluded.file_path, file_name = excluded.file_name, " +
                    "length = excluded.length, content_type = excluded.content_type, sha256 = excluded.sha256, content_md5 = excluded.content_md5, " +
                    "media_id = excluded.media_id, status = excluded.status, message_id = excluded.message_id, failure_reason = excluded.failure_reason, " +
                    "metadata_json = excluded.metadata_json, previous_media_ids = excluded.previous_media_ids, created_at = excluded.created_at, " +
                    "updated_at = excluded.updated_at;";
                Bind(command, "$transfer_id", Id(transfer.TransferId));
                Bind(command, "$idempotency_key", transfer.IdempotencyKey);
                Bind(command, "$conversation_id", transfer.ConversationId);
                Bind(command, "$communication_id", transfer.CommunicationId);
                Bind(command, "$file_path", transfer.FilePath);
                Bind(command, "$file_name", transfer.FileName);
                Bind(command, "$length", transfer.Length);
                Bind(command, "$content_type", transfer.ContentType);
                Bind(command, "$sha256", transfer.Sha256);
                Bind(command, "$content_md5", transfer.ContentMd5);
                Bind(command, "$media_id", transfer.MediaId);
                Bind(command, "$status", transfer.Status);
                Bind(command, "$message_id", transfer.MessageId);
                Bind(command, "$failure_reason", transfer.FailureReason);
                Bind(command, "$metadata_json", transfer.MetadataJson ?? "{}");
                Bind(command, "$previous_media_ids", JsonSerializer.Serialize(transfer.PreviousMediaIds ?? Array.Empty<string>()));
                Bind(command, "$created_at", Time(transfer.CreatedAt));
                Bind(command, "$updated_at", Time(transfer.UpdatedAt));
                return command.ExecuteNonQuery();
            });
        }

        public JournalTransfer? GetTransfer(Guid transferId) =>
            Run("read transfer " + transferId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "SELECT " + TransferColumns + " FROM transfers WHERE transfer_id = $transfer_id;";
                Bind(command, "$transfer_id", Id(transferId));
                List<JournalTransfer> found = ReadTransfers(command);
                return found.Count == 0 ? null : found[0];
            });

        public JournalTransfer? FindByIdempotencyKey(string idempotencyKey) =>
            Run("look up a transfer by its idempotency key", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                // -Force starts a fresh transfer for a key that exists, so the newest one is the one to resume.
                command.CommandText = "SELECT " + TransferColumns + " FROM transfers WHERE idempotency_key = $key ORDER BY created_at DESC, transfer_id LIMIT 1;";
                Bind(command, "$key", idempotencyKey);
                List<JournalTransfer> found = ReadTransfers(command);
                return found.Count == 0 ? null : found[0];
            });

        /// <summary>Matching transfers, newest first.</summary>
        public IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            return Run("query transfers", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                var sql = new StringBuilder("SELECT " + TransferColumns + " FROM transfers WHERE 1 = 1");
                if (query.TransferId is Guid id)
                {
                    sql.Append(" AND transfer_id = $transfer_id");
                    Bind(command, "$transfer_id", Id(id));
                }

                if (!string.IsNullOrEmpty(query.Status))
                {
                    sql.Append(" AND status = $status");
                    Bind(command, "$status", query.Status);
                }

                if (!string.IsNullOrEmpty(query.File))
                {
                    // Windows and macOS file systems ignore case by default, Linux ones do not.
                    string collate = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? string.Empty : " COLLATE NOCASE";
                    sql.Append(" AND (file_path = $file" + collate + " OR file_name = $file" + collate + ")");
                    Bind(command, "$file", query.File);
                }

                if (!string.IsNullOrEmpty(query.Sha256))
                {
                    sql.Append(" AND sha256 = $sha256");
                    Bind(command, "$sha256", query.Sha256!.ToLowerInvariant());
                }

                if (!string.IsNullOrEmpty(query.ConversationId))
                {
                    sql.Append(" AND conversation_id = $conversation_id");
                    Bind(command, "$conversation_id", query.ConversationId);
                }

                if (query.Since is DateTimeOffset since)
                {
                    sql.Append(" AND created_at >= $since");
                    Bind(command, "$since", Time(since));
                }

                sql.Append(" ORDER BY created_at DESC, transfer_id LIMIT $limit;");
                Bind(command, "$limit", query.Limit is int limit ? Math.Max(0, limit) : -1);
                command.CommandText = sql.ToString();
                return (IReadOnlyList<JournalTransfer>)ReadTransfers(command);
            });
        }

        public void AppendHistory(Guid transferId, TransferHistoryEntry entry)
        {
            if (entry is null)
            {
                throw new ArgumentNullException(nameof(entry));
            }

            Run("record the history of transfer " + transferId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "INSERT INTO transfer_history (transfer_id, time, event, media_id, detail) VALUES ($transfer_id, $time, $event, $media_id, $detail);";
                Bind(command, "$transfer_id", Id(transferId));
                Bind(command, "$time", Time(entry.Time));
                Bind(command, "$event", entry.Event);
                Bind(command, "$media_id", entry.MediaId);
                Bind(command, "$detail", entry.Detail);
                return command.ExecuteNonQuery();
            });
        }

        /// <summary>The transfer's events in the order they were recorded.</summary>
        public IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId) =>
            Run("read the history of transfer " + transferId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "SELECT time, event, media_id, detail FROM transfer_history WHERE transfer_id = $transfer_id ORDER BY entry_id;";
                Bind(command, "$transfer_id", Id(transferId));
                var entries = new List<TransferHistoryEntry>();
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    entries.Add(new TransferHistoryEntry(ParseTime(reader.GetString(0)), reader.GetString(1), NullableString(reader, 2), NullableString(reader, 3)));
                }

                return (IReadOnlyList<TransferHistoryEntry>)entries;
            });

        public bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt) =>
            Run("record webhook event " + eventId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "INSERT INTO webhook_events (source, event_id, received_at) VALUES ($source, $event_id, $received_at) ON CONFLICT (source, event_id) DO NOTHING;";
                Bind(command, "$source", source);
                Bind(command, "$event_id", eventId);
                Bind(command, "$received_at", Time(receivedAt));
                return command.ExecuteNonQuery() == 1;
            });

        public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at) =>
            Run("record the status of message " + messageId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                // One statement: the rank comparison and the write cannot be separated by another writer.
                command.CommandText =
                    "INSERT INTO message_status (message_id, status, rank, updated_at) VALUES ($message_id, $status, $rank, $updated_at) " +
                    "ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank, updated_at = excluded.updated_at " +
                    "WHERE excluded.rank > message_status.rank;";
                Bind(command, "$message_id", messageId);
                Bind(command, "$status", status);
                Bind(command, "$rank", rank);
                Bind(command, "$updated_at", Time(at));
                return command.ExecuteNonQuery() == 1;
            });

        public string? GetMessageStatus(string messageId) =>
            Run("read the status of message " + messageId, connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "SELECT status FROM message_status WHERE message_id = $message_id;";
                Bind(command, "$message_id", messageId);
                return command.ExecuteScalar() as string;
            });

        public bool Enqueue(OutboxItem item)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }

            return Run("add document " + item.DocumentKey + " to the outbox", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText =
                    "INSERT INTO outbox (" + OutboxColumns + ") VALUES ($document_key, $kind, $transfer_id, $conversation_id, $message_id, " +
                    "$attachment_id, $source, $file_name, $content_type, $sha256, $length, $metadata_json, $state, $attempts, $enqueued_at, " +
                    "$next_attempt_at, $last_error, $claimed_by, $lease_until, $stored_location, $archived_at) ON CONFLICT (document_key) DO NOTHING;";
                Bind(command, "$document_key", item.DocumentKey);
                Bind(command, "$kind", item.Kind);
                Bind(command, "$transfer_id", item.TransferId is Guid id ? Id(id) : null);
                Bind(command, "$conversation_id", item.ConversationId);
                Bind(command, "$message_id", item.MessageId);
                Bind(command, "$attachment_id", item.AttachmentId);
                Bind(command, "$source", item.Source);
                Bind(command, "$file_name", item.FileName);
                Bind(command, "$content_type", item.ContentType);
                Bind(command, "$sha256", item.Sha256);
                Bind(command, "$length", item.Length);
                Bind(command, "$metadata_json", item.MetadataJson ?? "{}");
                Bind(command, "$state", item.State == OutboxState.Archived ? Archived : Pending);
                Bind(command, "$attempts", item.Attempts);
                Bind(command, "$enqueued_at", Time(item.EnqueuedAt));
                Bind(command, "$next_attempt_at", Time(item.NextAttemptAt));
                Bind(command, "$last_error", item.LastError);
                Bind(command, "$claimed_by", item.ClaimedBy);
                Bind(command, "$lease_until", item.LeaseUntil is DateTimeOffset lease ? Time(lease) : null);
                Bind(command, "$stored_location", item.StoredLocation);
                Bind(command, "$archived_at", item.ArchivedAt is DateTimeOffset archived ? Time(archived) : null);
                return command.ExecuteNonQuery() == 1;
            });
        }

        public OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease)
        {
            if (string.IsNullOrEmpty(workerId))
            {
                throw new ArgumentException("A worker id is required to claim an item.", nameof(workerId));
            }

            return Run("claim an outbox item", connection =>
            {
                // BEGIN IMMEDIATE takes the write lock before the choice is made, so no other process can choose the
                // same item between this one's read and its write.
                using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                using SqliteCommand command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText =
                    "UPDATE outbox SET claimed_by = $worker, lease_until = $lease_until, attempts = attempts + 1 " +
                    "WHERE document_key = (SELECT document_key FROM outbox WHERE state = '" + Pending + "' AND next_attempt_at <= $now " +
                    "AND (lease_until IS NULL OR lease_until <= $now) ORDER BY next_attempt_at, enqueued_at, document_key LIMIT 1) " +
                    "RETURNING " + OutboxColumns + ";";
                Bind(command, "$worker", workerId);
                Bind(command, "$now", Time(now));
                Bind(command, "$lease_until", Time(now + lease));
                OutboxItem? claimed = null;
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    if (reader.Read())
                    {
                        claimed = ReadOutboxItem(reader);
                    }
                }

                transaction.Commit();
                return claimed;
            });
        }

        public bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at) =>
            Run("mark document " + documentKey + " archived", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText =
                    "UPDATE outbox SET state = '" + Archived + "', stored_location = $stored_location, archived_at = $archived_at, " +
                    "lease_until = NULL, last_error = NULL WHERE document_key = $document_key AND claimed_by = $worker AND state = '" + Pending + "';";
                Bind(command, "$document_key", documentKey);
                Bind(command, "$worker", workerId);
                Bind(command, "$stored_location", storedLocation);
                Bind(command, "$archived_at", Time(at));
                return command.ExecuteNonQuery() == 1;
            });

        public bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt) =>
            Run("release document " + documentKey + " for another attempt", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText =
                    "UPDATE outbox SET claimed_by = NULL, lease_until = NULL, last_error = $error, next_attempt_at = $next_attempt_at " +
                    "WHERE document_key = $document_key AND claimed_by = $worker AND state = '" + Pending + "';";
                Bind(command, "$document_key", documentKey);
                Bind(command, "$worker", workerId);
                Bind(command, "$error", error);
                Bind(command, "$next_attempt_at", Time(nextAttemptAt));
                return command.ExecuteNonQuery() == 1;
            });

        /// <summary>Outbox items in the order they were enqueued; every item when <paramref name="state"/> is null.</summary>
        public IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state) =>
            Run("read the outbox", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "SELECT " + OutboxColumns + " FROM outbox" + (state is null ? string.Empty : " WHERE state = $state") + " ORDER BY enqueued_at, document_key;";
                if (state is OutboxState wanted)
                {
                    Bind(command, "$state", wanted == OutboxState.Archived ? Archived : Pending);
                }

                var items = new List<OutboxItem>();
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    items.Add(ReadOutboxItem(reader));
                }

                return (IReadOnlyList<OutboxItem>)items;
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

        public override string ToString() => Location;

        private void Migrate() => Run("be opened", connection =>
        {
            using (SqliteCommand wal = connection.CreateCommand())
            {
                // Readers never block the writer and a crash never leaves a half-written page: the mode is kept in the file.
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                string? mode = wal.ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new TransferJournalException(Location, $"The transfer journal '{Location}' cannot use write-ahead logging (journal mode '{mode}'); keep it on a local disk.");
                }
            }

            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);");
            long current;
            using (SqliteCommand read = connection.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
                current = (long)read.ExecuteScalar()!;
            }

            if (current > SqliteSchema.LatestVersion)
            {
                throw new TransferJournalException(
                    Location,
                    $"The transfer journal '{Location}' has schema version {current}, written by a newer version of the module; this version understands up to {SqliteSchema.LatestVersion}. Update the module or use another -JournalPath.");
            }

            for (int version = (int)current + 1; version <= SqliteSchema.LatestVersion; version++)
            {
                Execute(connection, transaction, SqliteSchema.Migrations[version - 1]);
                using SqliteCommand record = connection.CreateCommand();
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($version, $applied_at);";
                Bind(record, "$version", version);
                Bind(record, "$applied_at", Time(DateTimeOffset.UtcNow));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            return current;
        });

        private T Run<T>(string action, Func<SqliteConnection, T> work)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(nameof(SqliteTransferJournal), $"The transfer journal '{Location}' is closed.");
            }

            try
            {
                using var connection = new SqliteConnection(_connectionString);
                connection.Open();
                using (SqliteCommand pragmas = connection.CreateCommand())
                {
                    // Per connection: SQLite itself waits for a busy file (another process writing) before giving up.
                    pragmas.CommandText = "PRAGMA busy_timeout = " + BusyTimeoutMs.ToString(CultureInfo.InvariantCulture) + "; PRAGMA synchronous = FULL;";
                    pragmas.ExecuteNonQuery();
                }

                return work(connection);
            }
            catch (SqliteException ex)
            {
                throw new TransferJournalException(Location, $"The transfer journal '{Location}' could not {action}: {ex.Message}", ex);
            }
        }

        private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private static void Bind(SqliteCommand command, string name, object? value) =>
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);

        private static string Id(Guid id) => id.ToString("D");

        private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

        private static DateTimeOffset ParseTime(string text) =>
            new DateTimeOffset(DateTime.SpecifyKind(DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc));

        private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

        private static List<JournalTransfer> ReadTransfers(SqliteCommand command)
        {
            var transfers = new List<JournalTransfer>();
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                transfers.Add(new JournalTransfer
                {
                    TransferId = Guid.Parse(reader.GetString(0)),
                    IdempotencyKey = reader.GetString(1),
                    ConversationId = reader.GetString(2),
                    CommunicationId = reader.GetString(3),
                    FilePath = reader.GetString(4),
                    FileName = reader.GetString(5),
                    Length = reader.GetInt64(6),
                    ContentType = reader.GetString(7),
                    Sha256 = reader.GetString(8),
                    ContentMd5 = reader.GetString(9),
                    MediaId = NullableString(reader, 10),
                    Status = reader.GetString(11),
                    MessageId = NullableString(reader, 12),
                    FailureReason = NullableString(reader, 13),
                    MetadataJson = reader.GetString(14),
                    PreviousMediaIds = JsonSerializer.Deserialize<string[]>(reader.GetString(15)) ?? Array.Empty<string>(),
                    CreatedAt = ParseTime(reader.GetString(16)),
                    UpdatedAt = ParseTime(reader.GetString(17)),
                });
            }

            return transfers;
        }

        private static OutboxItem ReadOutboxItem(SqliteDataReader reader) => new OutboxItem
        {
            DocumentKey = reader.GetString(0),
            Kind = reader.GetString(1),
            TransferId = reader.IsDBNull(2) ? (Guid?)null : Guid.Parse(reader.GetString(2)),
            ConversationId = NullableString(reader, 3),
            MessageId = NullableString(reader, 4),
            AttachmentId = NullableString(reader, 5),
            Source = reader.GetString(6),
            FileName = reader.GetString(7),
            ContentType = NullableString(reader, 8),
            Sha256 = NullableString(reader, 9),
            Length = reader.IsDBNull(10) ? (long?)null : reader.GetInt64(10),
            MetadataJson = reader.GetString(11),
            State = reader.GetString(12) == Archived ? OutboxState.Archived : OutboxState.Pending,
            Attempts = reader.GetInt32(13),
            EnqueuedAt = ParseTime(reader.GetString(14)),
            NextAttemptAt = ParseTime(reader.GetString(15)),
            LastError = NullableString(reader, 16),
            ClaimedBy = NullableString(reader, 17),
            LeaseUntil = reader.IsDBNull(18) ? (DateTimeOffset?)null : ParseTime(reader.GetString(18)),
            StoredLocation = NullableString(reader, 19),
            ArchivedAt = reader.IsDBNull(20) ? (DateTimeOffset?)null : ParseTime(reader.GetString(20)),
        };
    }
}
