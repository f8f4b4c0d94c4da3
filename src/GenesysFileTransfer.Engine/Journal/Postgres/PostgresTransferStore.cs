using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Transfers;
using Npgsql;
using static GenesysFileTransfer.Engine.Journal.JournalTime;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresSession;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// Transfers and their history on the server. The idempotency key is a unique constraint; every change of a row is
    /// a compare-and-set on its version in one transaction with its history entry (and outbox item); row locks, not a
    /// database-wide lock, keep two writers apart, so a fleet of workers moves different transfers in parallel.
    /// </summary>
    internal sealed class PostgresTransferStore : ITransferStore
    {
        private readonly PostgresDatabase _db;

        public PostgresTransferStore(PostgresDatabase db) => _db = db;

        public JournalTransfer InsertOrGet(JournalTransfer transfer, TransferHistoryEntry entry, bool supersede, out bool inserted)
        {
            if (transfer is null)
            {
                throw new ArgumentNullException(nameof(transfer));
            }

            (JournalTransfer Record, bool Inserted) result = _db.InTransaction("record transfer " + transfer.TransferId, session =>
            {
                // One writer per key at a time (other keys are not held up), so "look, then insert or supersede" is atomic.
                using (NpgsqlCommand lockKey = session.Command("SELECT pg_advisory_xact_lock(hashtextextended(@key, 7));"))
                {
                    BindText(lockKey, "key", transfer.IdempotencyKey);
                    session.Scalar(lockKey);
                }

                JournalTransfer? existing = Single(session, "idempotency_key = @key", c => BindText(c, "key", transfer.IdempotencyKey));
                if (existing != null && existing.TransferId == transfer.TransferId)
                {
                    // An earlier attempt of this very call committed before its connection was lost.
                    return (existing, true);
                }

                if (existing != null && !supersede)
                {
                    return (existing, false);
                }

                if (existing != null)
                {
                    using NpgsqlCommand retire = session.Command("UPDATE transfers SET idempotency_key = idempotency_key || '|superseded-by:' || @new_id WHERE transfer_id = @old_id;");
                    BindText(retire, "new_id", transfer.TransferId.ToString("D"));
                    BindUuid(retire, "old_id", existing.TransferId);
                    session.Execute(retire);
                    AppendHistory(session, existing.TransferId, new TransferHistoryEntry(entry.Time, "superseded", existing.MediaId, "a new transfer " + transfer.TransferId + " was started for the same file and conversation"));
                }

                using (NpgsqlCommand insert = session.Command(
                    "INSERT INTO transfers (" + TransferRows.Columns + ") VALUES (@transfer_id, @idempotency_key, @conversation_id, @communication_id, " +
                    "@file_path, @file_name, @length, @content_type, @sha256, @content_md5, @media_id, @status, @message_id, @failure_reason, " +
                    "@metadata_json, @previous_media_ids, @created_at, @updated_at, 0, @lease_owner, @lease_until);"))
                {
                    BindState(insert, transfer);
                    BindText(insert, "idempotency_key", transfer.IdempotencyKey);
                    BindText(insert, "lease_owner", transfer.LeaseOwner);
                    BindText(insert, "lease_until", Time(transfer.LeaseUntil));
                    session.Execute(insert);
                }

                AppendHistory(session, transfer.TransferId, entry);
                return (Single(session, "transfer_id = @id", c => BindUuid(c, "id", transfer.TransferId))!, true);
            });
            inserted = result.Inserted;
            return result.Record;
        }

        public JournalTransfer? GetTransfer(Guid transferId) =>
            _db.Run("read transfer " + transferId, session => Single(session, "transfer_id = @id", c => BindUuid(c, "id", transferId)));

        public JournalTransfer? FindByIdempotencyKey(string idempotencyKey) =>
            _db.Run("look up a transfer by its idempotency key", session => Single(session, "idempotency_key = @key", c => BindText(c, "key", idempotencyKey)));

        public JournalTransfer? FindByMediaId(string mediaId) =>
            _db.Run("look up a transfer by its media id", session =>
                Single(session, "media_id = @media OR transfer_id IN (SELECT transfer_id FROM transfer_history WHERE media_id = @media)", c => BindText(c, "media", mediaId)));

        public IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            return _db.Run("query transfers", session =>
            {
                using NpgsqlCommand command = session.Command(string.Empty);
                var sql = new StringBuilder("SELECT " + TransferRows.Columns + " FROM transfers WHERE true");
                if (query.TransferId is Guid id)
                {
                    sql.Append(" AND transfer_id = @transfer_id");
                    BindUuid(command, "transfer_id", id);
                }

                if (!string.IsNullOrEmpty(query.Status))
                {
                    sql.Append(" AND status = @status");
                    BindText(command, "status", query.Status);
                }

                if (!string.IsNullOrEmpty(query.File))
                {
                    // The same rule as the SQLite journal: Windows and macOS file systems ignore case, Linux ones do not.
                    sql.Append(RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                        ? " AND (file_path = @file OR file_name = @file)"
                        : " AND (lower(file_path) = lower(@file) OR lower(file_name) = lower(@file))");
                    BindText(command, "file", query.File);
                }

                if (!string.IsNullOrEmpty(query.Sha256))
                {
                    sql.Append(" AND sha256 = @sha256");
                    BindText(command, "sha256", query.Sha256!.ToLowerInvariant());
                }

                if (!string.IsNullOrEmpty(query.ConversationId))
                {
                    sql.Append(" AND conversation_id = @conversation_id");
                    BindText(command, "conversation_id", query.ConversationId);
                }

                if (query.Since is DateTimeOffset since)
                {
                    sql.Append(" AND created_at >= @since");
                    BindText(command, "since", Time(since));
                }

                sql.Append(" ORDER BY created_at DESC, transfer_id");
                if (query.Limit is int limit)
                {
                    sql.Append(" LIMIT @limit");
                    BindLong(command, "limit", Math.Max(0, limit));
                }

                command.CommandText = sql.Append(';').ToString();
                return (IReadOnlyList<JournalTransfer>)Read(session, command);
            });
        }

        public IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId) =>
            _db.Run("read the history of transfer " + transferId, session =>
            {
                using NpgsqlCommand command = session.Command("SELECT " + TransferHistoryRows.Columns + " FROM transfer_history WHERE transfer_id = @transfer_id ORDER BY entry_id;");
                BindUuid(command, "transfer_id", transferId);
                using NpgsqlDataReader reader = session.Reader(command);
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

            Guid change = Guid.NewGuid();
            return _db.InTransaction("record the " + entry.Event + " step of transfer " + next.TransferId, session =>
            {
                using (NpgsqlCommand update = session.Command(
                    "UPDATE transfers SET file_path = @file_path, file_name = @file_name, length = @length, content_type = @content_type, " +
                    "sha256 = @sha256, content_md5 = @content_md5, media_id = @media_id, status = @status, message_id = @message_id, " +
                    "failure_reason = @failure_reason, metadata_json = @metadata_json, previous_media_ids = @previous_media_ids, " +
                    "updated_at = @updated_at, version = version + 1, last_change = @change WHERE transfer_id = @transfer_id AND version = @expected;"))
                {
                    BindState(update, next);
                    BindLong(update, "expected", expectedVersion);
                    BindUuid(update, "change", change);
                    if (session.Execute(update) != 1)
                    {
                        // After a lost connection the first attempt may have committed: then the row carries this call's
                        // change token at exactly the next version, and the work is done (never applied twice).
                        return session.IsRetry
                            ? Single(session, "transfer_id = @id AND last_change = @change AND version = @version", c =>
                            {
                                BindUuid(c, "id", next.TransferId);
                                BindUuid(c, "change", change);
                                BindLong(c, "version", expectedVersion + 1);
                            })
                            : null;
                    }
                }

                AppendHistory(session, next.TransferId, entry);
                if (archive != null)
                {
                    PostgresDocumentOutbox.Insert(session, archive, insertToken: change);
                }

                return Single(session, "transfer_id = @id", c => BindUuid(c, "id", next.TransferId));
            });
        }

        public JournalTransfer? TryAcquireLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration)
        {
            if (string.IsNullOrEmpty(owner))
            {
                throw new ArgumentException("A lease needs an owner.", nameof(owner));
            }

            // One statement, and idempotent: a retry by the same owner extends its own lease without a second version step.
            return _db.Run("lease transfer " + transferId, session =>
            {
                using NpgsqlCommand command = session.Command(
                    "UPDATE transfers SET version = version + (CASE WHEN lease_owner IS NOT DISTINCT FROM @owner THEN 0 ELSE 1 END), " +
                    "lease_owner = @owner, lease_until = @until WHERE transfer_id = @id " +
                    "AND (lease_owner IS NULL OR lease_owner = @owner OR lease_until IS NULL OR lease_until <= @now) RETURNING " + TransferRows.Columns + ";");
                BindText(command, "owner", owner);
                BindText(command, "until", Time(now + duration));
                BindText(command, "now", Time(now));
                BindUuid(command, "id", transferId);
                List<JournalTransfer> leased = Read(session, command);
                return leased.Count == 0 ? null : leased[0];
            });
        }

        public bool RenewLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration) =>
            _db.Run("renew the lease on transfer " + transferId, session =>
            {
                using NpgsqlCommand command = session.Command("UPDATE transfers SET lease_until = @until WHERE transfer_id = @id AND lease_owner = @owner;");
                BindText(command, "owner", owner);
                BindText(command, "until", Time(now + duration));
                BindUuid(command, "id", transferId);
                return session.Execute(command) == 1;
            });

        public void ReleaseLease(Guid transferId, string owner) =>
            _db.Run("release the lease on transfer " + transferId, session =>
            {
                using NpgsqlCommand command = session.Command("UPDATE transfers SET lease_owner = NULL, lease_until = NULL WHERE transfer_id = @id AND lease_owner = @owner;");
                BindText(command, "owner", owner);
                BindUuid(command, "id", transferId);
                return session.Execute(command);
            });

        private static void AppendHistory(PostgresSession session, Guid transferId, TransferHistoryEntry entry)
        {
            using NpgsqlCommand command = session.Command("INSERT INTO transfer_history (transfer_id, time, event, media_id, detail) VALUES (@transfer_id, @time, @event, @media_id, @detail);");
            BindUuid(command, "transfer_id", transferId);
            BindText(command, "time", Time(entry.Time));
            BindText(command, "event", entry.Event);
            BindText(command, "media_id", entry.MediaId);
            BindText(command, "detail", entry.Detail);
            session.Execute(command);
        }

        private static void BindState(NpgsqlCommand command, JournalTransfer transfer)
        {
            BindUuid(command, "transfer_id", transfer.TransferId);
            BindText(command, "conversation_id", transfer.ConversationId);
            BindText(command, "communication_id", transfer.CommunicationId);
            BindText(command, "file_path", transfer.FilePath);
            BindText(command, "file_name", transfer.FileName);
            BindLong(command, "length", transfer.Length);
            BindText(command, "content_type", transfer.ContentType);
            BindText(command, "sha256", transfer.Sha256);
            BindText(command, "content_md5", transfer.ContentMd5);
            BindText(command, "media_id", transfer.MediaId);
            BindText(command, "status", transfer.Status);
            BindText(command, "message_id", transfer.MessageId);
            BindText(command, "failure_reason", transfer.FailureReason);
            BindText(command, "metadata_json", transfer.MetadataJson ?? "{}");
            BindText(command, "previous_media_ids", JsonSerializer.Serialize(transfer.PreviousMediaIds ?? Array.Empty<string>()));
            BindText(command, "created_at", Time(transfer.CreatedAt));
            BindText(command, "updated_at", Time(transfer.UpdatedAt));
        }

        private static JournalTransfer? Single(PostgresSession session, string where, Action<NpgsqlCommand> bind)
        {
            using NpgsqlCommand command = session.Command("SELECT " + TransferRows.Columns + " FROM transfers WHERE " + where + " ORDER BY created_at DESC LIMIT 1;");
            bind(command);
            List<JournalTransfer> found = Read(session, command);
            return found.Count == 0 ? null : found[0];
        }

        private static List<JournalTransfer> Read(PostgresSession session, NpgsqlCommand command)
        {
            using NpgsqlDataReader reader = session.Reader(command);
            return TransferRows.ReadAll(reader);
        }
    }
}
