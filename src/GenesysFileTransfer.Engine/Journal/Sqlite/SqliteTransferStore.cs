using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Transfers;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Journal.Sqlite.SqliteDatabase;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// Transfers and their history in the journal file. The idempotency key has a unique index; every change of a row
    /// is a compare-and-set on its version inside a <c>BEGIN IMMEDIATE</c> transaction with its history entry (and
    /// outbox item), so two processes can never both move a transfer from the same state.
    /// </summary>
    internal sealed class SqliteTransferStore : ITransferStore
    {
        private readonly SqliteDatabase _db;

        public SqliteTransferStore(SqliteDatabase db) => _db = db;

        public JournalTransfer InsertOrGet(JournalTransfer transfer, TransferHistoryEntry entry, bool supersede, out bool inserted)
        {
            if (transfer is null)
            {
                throw new ArgumentNullException(nameof(transfer));
            }

            (JournalTransfer Record, bool Inserted) result = _db.InTransaction("record transfer " + transfer.TransferId, (connection, transaction) =>
            {
                JournalTransfer? existing = Single(connection, transaction, "idempotency_key = $key", c => Bind(c, "$key", transfer.IdempotencyKey));
                if (existing != null && !supersede)
                {
                    return (existing, false);
                }

                if (existing != null)
                {
                    // The earlier transfer keeps its row and history; only its claim on the key ends.
                    using SqliteCommand retire = Command(connection, transaction, "UPDATE transfers SET idempotency_key = idempotency_key || '|superseded-by:' || $new_id WHERE transfer_id = $old_id;");
                    Bind(retire, "$new_id", Id(transfer.TransferId));
                    Bind(retire, "$old_id", Id(existing.TransferId));
                    retire.ExecuteNonQuery();
                    AppendHistory(connection, transaction, existing.TransferId, new TransferHistoryEntry(entry.Time, "superseded", existing.MediaId, "a new transfer " + transfer.TransferId + " was started for the same file and conversation"));
                }

                using (SqliteCommand insert = Command(
                    connection,
                    transaction,
                    "INSERT INTO transfers (" + TransferRows.Columns + ") VALUES ($transfer_id, $idempotency_key, $conversation_id, $communication_id, " +
                    "$file_path, $file_name, $length, $content_type, $sha256, $content_md5, $media_id, $status, $message_id, $failure_reason, " +
                    "$metadata_json, $previous_media_ids, $created_at, $updated_at, 0, $lease_owner, $lease_until);"))
                {
                    BindState(insert, transfer);
                    Bind(insert, "$idempotency_key", transfer.IdempotencyKey);
                    Bind(insert, "$lease_owner", transfer.LeaseOwner);
                    Bind(insert, "$lease_until", Time(transfer.LeaseUntil));
                    insert.ExecuteNonQuery();
                }

                AppendHistory(connection, transaction, transfer.TransferId, entry);
                return (Single(connection, transaction, "transfer_id = $id", c => Bind(c, "$id", Id(transfer.TransferId)))!, true);
            });
            inserted = result.Inserted;
            return result.Record;
        }

        public JournalTransfer? GetTransfer(Guid transferId) =>
            _db.Run("read transfer " + transferId, connection => Single(connection, null, "transfer_id = $id", c => Bind(c, "$id", Id(transferId))));

        public JournalTransfer? FindByIdempotencyKey(string idempotencyKey) =>
            _db.Run("look up a transfer by its idempotency key", connection => Single(connection, null, "idempotency_key = $key", c => Bind(c, "$key", idempotencyKey)));

        public JournalTransfer? FindByMediaId(string mediaId) =>
            _db.Run("look up a transfer by its media id", connection =>
                Single(connection, null, "media_id = $media OR transfer_id IN (SELECT transfer_id FROM transfer_history WHERE media_id = $media)", c => Bind(c, "$media", mediaId)));

        /// <summary>Matching transfers, newest first.</summary>
        public IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            return _db.Run("query transfers", connection =>
            {
                using SqliteCommand command = connection.CreateCommand();
                var sql = new StringBuilder("SELECT " + TransferRows.Columns + " FROM transfers WHERE 1 = 1");
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
                return (IReadOnlyList<JournalTransfer>)Read(command);
            });
        }

        /// <summary>The transfer's events in the order they were recorded.</summary>
        public IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId) =>
            _db.Run("read the history of transfer " + transferId, connection =>
            {
                using SqliteCommand command = Command(connection, null, "SELECT " + TransferHistoryRows.Columns + " FROM transfer_history WHERE transfer_id = $transfer_id ORDER BY entry_id;");
                Bind(command, "$transfer_id", Id(transferId));
                using SqliteDataReader reader = command.ExecuteReader();
                return TransferHistoryRows.ReadAll(reader);
            });

        public JournalTransfer? TryTransition(JournalTransfer next, long expectedVersion, TransferHistoryEntry entry, OutboxItem? archive = null)
        {
            if (next is null)
            {
                throw new ArgumentNullException(nameof(next));
            }

            if (entry is null)
            {
                throw new ArgumentNullException(nameof(entry));
            }

            return _db.InTransaction("record the " + entry.Event + " step of transfer " + next.TransferId, (connection, transaction) =>
            {
                using (SqliteCommand update = Command(
                    connection,
                    transaction,
                    "UPDATE transfers SET file_path = $file_path, file_name = $file_name, length = $length, content_type = $content_type, " +
                    "sha256 = $sha256, content_md5 = $content_md5, media_id = $media_id, status = $status, message_id = $message_id, " +
                    "failure_reason = $failure_reason, metadata_json = $metadata_json, previous_media_ids = $previous_media_ids, " +
                    "updated_at = $updated_at, version = version + 1 WHERE transfer_id = $transfer_id AND version = $expected;"))
                {
                    BindState(update, next);
                    Bind(update, "$expected", expectedVersion);
                    if (update.ExecuteNonQuery() != 1)
                    {
                        return null;
                    }
                }

                AppendHistory(connection, transaction, next.TransferId, entry);
                if (archive != null)
                {
                    SqliteDocumentOutbox.Insert(connection, transaction, archive);
                }

                return Single(connection, transaction, "transfer_id = $id", c => Bind(c, "$id", Id(next.TransferId)));
            });
        }

        public JournalTransfer? TryAcquireLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration)
        {
            if (string.IsNullOrEmpty(owner))
            {
                throw new ArgumentException("A lease needs an owner.", nameof(owner));
            }

            return _db.InTransaction("lease transfer " + transferId, (connection, transaction) =>
            {
                using (SqliteCommand command = Command(
                    connection,
                    transaction,
                    // A change of owner is a new version (a fencing token): a previous owner that lost its lease while
                    // paused can no longer move the transfer with the version it read.
                    "UPDATE transfers SET version = version + (CASE WHEN lease_owner IS $owner THEN 0 ELSE 1 END), " +
                    "lease_owner = $owner, lease_until = $until WHERE transfer_id = $id " +
                    "AND (lease_owner IS NULL OR lease_owner = $owner OR lease_until IS NULL OR lease_until <= $now);"))
                {
                    Bind(command, "$owner", owner);
                    Bind(command, "$until", Time(now + duration));
                    Bind(command, "$now", Time(now));
                    Bind(command, "$id", Id(transferId));
                    if (command.ExecuteNonQuery() != 1)
                    {
                        return null;
                    }
                }

                return Single(connection, transaction, "transfer_id = $id", c => Bind(c, "$id", Id(transferId)));
            });
        }

        public bool RenewLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration) =>
            _db.Run("renew the lease on transfer " + transferId, connection =>
            {
                using SqliteCommand command = Command(connection, null, "UPDATE transfers SET lease_until = $until WHERE transfer_id = $id AND lease_owner = $owner;");
                Bind(command, "$owner", owner);
                Bind(command, "$until", Time(now + duration));
                Bind(command, "$id", Id(transferId));
                return command.ExecuteNonQuery() == 1;
            });

        public void ReleaseLease(Guid transferId, string owner) =>
            _db.Run("release the lease on transfer " + transferId, connection =>
            {
                using SqliteCommand command = Command(connection, null, "UPDATE transfers SET lease_owner = NULL, lease_until = NULL WHERE transfer_id = $id AND lease_owner = $owner;");
                Bind(command, "$owner", owner);
                Bind(command, "$id", Id(transferId));
                return command.ExecuteNonQuery();
            });

        private static void AppendHistory(SqliteConnection connection, SqliteTransaction transaction, Guid transferId, TransferHistoryEntry entry)
        {
            using SqliteCommand command = Command(connection, transaction, "INSERT INTO transfer_history (transfer_id, time, event, media_id, detail) VALUES ($transfer_id, $time, $event, $media_id, $detail);");
            Bind(command, "$transfer_id", Id(transferId));
            Bind(command, "$time", Time(entry.Time));
            Bind(command, "$event", entry.Event);
            Bind(command, "$media_id", entry.MediaId);
            Bind(command, "$detail", entry.Detail);
            command.ExecuteNonQuery();
        }

        /// <summary>Binds every column a transition may change, plus the row's identity.</summary>
        private static void BindState(SqliteCommand command, JournalTransfer transfer)
        {
            Bind(command, "$transfer_id", Id(transfer.TransferId));
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
        }

        private static JournalTransfer? Single(SqliteConnection connection, SqliteTransaction? transaction, string where, Action<SqliteCommand> bind)
        {
            using SqliteCommand command = Command(connection, transaction, "SELECT " + TransferRows.Columns + " FROM transfers WHERE " + where + " ORDER BY created_at DESC LIMIT 1;");
            bind(command);
            List<JournalTransfer> found = Read(command);
            return found.Count == 0 ? null : found[0];
        }

        private static List<JournalTransfer> Read(SqliteCommand command)
        {
            using SqliteDataReader reader = command.ExecuteReader();
            return TransferRows.ReadAll(reader);
        }
    }
}
