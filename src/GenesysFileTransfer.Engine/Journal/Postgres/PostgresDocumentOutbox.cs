using System;
using System.Collections.Generic;
using Npgsql;
using static GenesysFileTransfer.Engine.Journal.JournalTime;
using static GenesysFileTransfer.Engine.Journal.OutboxStateNames;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresSession;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// The document outbox on the server. Claims take the oldest due item with <c>FOR UPDATE SKIP LOCKED</c>, so many
    /// Sync workers claim different items at once without waiting on each other; every change after the claim applies
    /// only while the worker still holds the item. Each mutation writes its operation token, so a retry after a lost
    /// answer recognises its own change.
    /// </summary>
    internal sealed class PostgresDocumentOutbox : IDocumentOutbox
    {
        /// <summary>A signed attachment URL is a credential: once an item is archived or quarantined it keeps scheme, host and path only.</summary>
        private const string ForgetSignedSources =
            "source = CASE WHEN (source LIKE 'http://%' OR source LIKE 'https://%') AND strpos(source, '?') > 0 THEN substr(source, 1, strpos(source, '?') - 1) ELSE source END, " +
            "fallback_source = NULL";

        private readonly PostgresDatabase _db;

        public PostgresDocumentOutbox(PostgresDatabase db) => _db = db;

        public bool Enqueue(OutboxItem item)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }

            Guid token = Guid.NewGuid();
            return _db.Run("add document " + item.DocumentKey + " to the outbox", session =>
                Insert(session, item, token) || (session.IsRetry && PostgresEventLedger.Mine(session, "outbox", "insert_token", token)));
        }

        /// <summary>Adds the item unless its key exists, inside the caller's session; true when it was added.</summary>
        internal static bool Insert(PostgresSession session, OutboxItem item, Guid insertToken)
        {
            using NpgsqlCommand command = session.Command(
                "INSERT INTO outbox (" + OutboxRows.Columns + ", insert_token) VALUES (@document_key, @kind, @transfer_id, @conversation_id, @message_id, " +
                "@attachment_id, @source, @file_name, @content_type, @sha256, @length, @metadata_json, @state, @attempts, @enqueued_at, " +
                "@next_attempt_at, @last_error, @claimed_by, @lease_until, @stored_location, @archived_at, @fallback_source, @state_reason, " +
                "@state_changed_by, @state_changed_at, @insert_token) ON CONFLICT (document_key) DO NOTHING;");
            BindText(command, "document_key", item.DocumentKey);
            BindText(command, "kind", item.Kind);
            BindUuid(command, "transfer_id", item.TransferId);
            BindText(command, "conversation_id", item.ConversationId);
            BindText(command, "message_id", item.MessageId);
            BindText(command, "attachment_id", item.AttachmentId);
            BindText(command, "source", item.Source);
            BindText(command, "file_name", item.FileName);
            BindText(command, "content_type", item.ContentType);
            BindText(command, "sha256", item.Sha256);
            BindLong(command, "length", item.Length);
            BindText(command, "metadata_json", item.MetadataJson ?? "{}");
            BindText(command, "state", OutboxStateNames.Of(item.State));
            command.Parameters.AddWithValue("attempts", item.Attempts);
            BindText(command, "enqueued_at", Time(item.EnqueuedAt));
            BindText(command, "next_attempt_at", Time(item.NextAttemptAt));
            BindText(command, "last_error", item.LastError);
            BindText(command, "claimed_by", item.ClaimedBy);
            BindText(command, "lease_until", Time(item.LeaseUntil));
            BindText(command, "stored_location", item.StoredLocation);
            BindText(command, "archived_at", Time(item.ArchivedAt));
            BindText(command, "fallback_source", item.FallbackSource);
            BindText(command, "state_reason", item.StateReason);
            BindText(command, "state_changed_by", item.StateChangedBy);
            BindText(command, "state_changed_at", Time(item.StateChangedAt));
            BindUuid(command, "insert_token", insertToken);
            return session.Execute(command) == 1;
        }

        public OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease)
        {
            if (string.IsNullOrEmpty(workerId))
            {
                throw new ArgumentException("A worker id is required to claim an item.", nameof(workerId));
            }

            Guid token = Guid.NewGuid();
            return _db.Run("claim an outbox item", session =>
            {
                if (session.IsRetry)
                {
                    // The first attempt may have claimed an item before its answer was lost: take that one, not a second.
                    using NpgsqlCommand mine = session.Command("SELECT " + OutboxRows.Columns + " FROM outbox WHERE claim_token = @token AND claimed_by = @worker AND state = '" + Pending + "';");
                    BindUuid(mine, "token", token);
                    BindText(mine, "worker", workerId);
                    OutboxItem? claimed = ReadOne(session, mine);
                    if (claimed != null)
                    {
                        return claimed;
                    }
                }

                using NpgsqlCommand command = session.Command(
                    "UPDATE outbox SET claimed_by = @worker, lease_until = @lease_until, attempts = attempts + 1, claim_token = @token " +
                    "WHERE document_key = (SELECT document_key FROM outbox WHERE state = '" + Pending + "' AND next_attempt_at <= @now " +
                    "AND (lease_until IS NULL OR lease_until <= @now) ORDER BY next_attempt_at, enqueued_at, document_key LIMIT 1 FOR UPDATE SKIP LOCKED) " +
                    "RETURNING " + OutboxRows.Columns + ";");
                BindText(command, "worker", workerId);
                BindText(command, "now", Time(now));
                BindText(command, "lease_until", Time(now + lease));
                BindUuid(command, "token", token);
                return ReadOne(session, command);
            });
        }

        public bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at) =>
            ChangeClaimed(
                "mark document " + documentKey + " archived",
                documentKey,
                workerId,
                "state = '" + Archived + "', stored_location = @stored_location, archived_at = @archived_at, lease_until = NULL, last_error = NULL, " + ForgetSignedSources,
                command =>
                {
                    BindText(command, "stored_location", storedLocation);
                    BindText(command, "archived_at", Time(at));
                });

        public bool MarkQuarantined(string documentKey, string workerId, string reason, DateTimeOffset at) =>
            ChangeClaimed(
                "quarantine document " + documentKey,
                documentKey,
                workerId,
                "state = '" + Quarantined + "', claimed_by = NULL, lease_until = NULL, last_error = @reason, state_reason = @reason, " +
                "state_changed_by = @worker, state_changed_at = @at, " + ForgetSignedSources,
                command =>
                {
                    BindText(command, "reason", reason);
                    BindText(command, "at", Time(at));
                });

        public bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt) =>
            ChangeClaimed(
                "release document " + documentKey + " for another attempt",
                documentKey,
                workerId,
                "claimed_by = NULL, lease_until = NULL, last_error = @error, next_attempt_at = @next_attempt_at",
                command =>
                {
                    BindText(command, "error", error);
                    BindText(command, "next_attempt_at", Time(nextAttemptAt));
                });

        public bool MarkSourceMissing(string documentKey, string workerId, string reason, DateTimeOffset at) =>
            ChangeClaimed(
                "set document " + documentKey + " aside as missing its source",
                documentKey,
                workerId,
                "state = '" + SourceMissing + "', claimed_by = NULL, lease_until = NULL, last_error = @reason, state_reason = @reason, " +
                "state_changed_by = @worker, state_changed_at = @at",
                command =>
                {
                    BindText(command, "reason", reason);
                    BindText(command, "at", Time(at));
                });

        /// <summary>
        /// A worker's change to an item it claimed: it applies only while that worker still holds the item and the item
        /// is pending, so a worker whose lease ran out (and whose item another worker claimed) cannot overwrite the
        /// other's outcome. True when it applied, or when an earlier attempt of this call applied it before its answer
        /// was lost.
        /// </summary>
        private bool ChangeClaimed(string action, string documentKey, string workerId, string assignments, Action<NpgsqlCommand> bind)
        {
            Guid token = Guid.NewGuid();
            return _db.Run(action, session =>
            {
                using NpgsqlCommand command = session.Command(
                    "UPDATE outbox SET " + assignments + ", op_token = @token WHERE document_key = @document_key AND claimed_by = @worker AND state = '" + Pending + "';");
                BindText(command, "document_key", documentKey);
                BindText(command, "worker", workerId);
                BindUuid(command, "token", token);
                bind(command);
                return session.Execute(command) == 1 || (session.IsRetry && OwnChange(session, documentKey, token));
            });
        }

        private static bool OwnChange(PostgresSession session, string documentKey, Guid token)
        {
            using NpgsqlCommand check = session.Command("SELECT EXISTS (SELECT 1 FROM outbox WHERE document_key = @document_key AND op_token = @token);");
            BindText(check, "document_key", documentKey);
            BindUuid(check, "token", token);
            return session.Scalar(check) is bool found && found;
        }

        public OutboxItem? GetItem(string documentKey) =>
            _db.Run("read document " + documentKey + " from the outbox", session => Read(session, documentKey));

        public OutboxChangeResult Reset(string documentKey, string changedBy, DateTimeOffset now) =>
            Change(
                "reset document " + documentKey,
                documentKey,
                now,
                "state = '" + Pending + "', next_attempt_at = @now, claimed_by = NULL, lease_until = NULL, state_reason = NULL, " +
                "state_changed_by = @by, state_changed_at = @now",
                command => BindText(command, "by", changedBy));

        public OutboxChangeResult Abandon(string documentKey, string reason, string changedBy, DateTimeOffset now) =>
            Change(
                "abandon document " + documentKey,
                documentKey,
                now,
                "state = '" + Abandoned + "', claimed_by = NULL, lease_until = NULL, state_reason = @reason, state_changed_by = @by, state_changed_at = @now",
                command =>
                {
                    BindText(command, "by", changedBy);
                    BindText(command, "reason", reason);
                });

        /// <summary>
        /// One operator change in one statement: it applies only to a pending or source-missing item without a live
        /// lease (the row lock makes a concurrent claim wait or lose); when it does not apply, the item is read to say why.
        /// </summary>
        private OutboxChangeResult Change(string action, string documentKey, DateTimeOffset now, string assignments, Action<NpgsqlCommand> bind)
        {
            Guid token = Guid.NewGuid();
            return _db.InTransaction(action, session =>
            {
                using (NpgsqlCommand command = session.Command(
                    "UPDATE outbox SET " + assignments + ", op_token = @token WHERE document_key = @document_key AND state IN ('" + Pending + "', '" + SourceMissing + "') " +
                    "AND (lease_until IS NULL OR lease_until <= @now) RETURNING " + OutboxRows.Columns + ";"))
                {
                    BindText(command, "document_key", documentKey);
                    BindText(command, "now", Time(now));
                    BindUuid(command, "token", token);
                    bind(command);
                    OutboxItem? changed = ReadOne(session, command);
                    if (changed != null)
                    {
                        return new OutboxChangeResult(OutboxChange.Changed, changed);
                    }
                }

                OutboxItem? current = Read(session, documentKey);
                if (current != null && session.IsRetry && OwnChange(session, documentKey, token))
                {
                    return new OutboxChangeResult(OutboxChange.Changed, current);
                }

                return OutboxChangeResult.Refused(current);
            });
        }

        private static OutboxItem? Read(PostgresSession session, string documentKey)
        {
            using NpgsqlCommand command = session.Command("SELECT " + OutboxRows.Columns + " FROM outbox WHERE document_key = @document_key;");
            BindText(command, "document_key", documentKey);
            return ReadOne(session, command);
        }

        public IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state) =>
            _db.Run("read the outbox", session =>
            {
                using NpgsqlCommand command = session.Command("SELECT " + OutboxRows.Columns + " FROM outbox" + (state is null ? string.Empty : " WHERE state = @state") + " ORDER BY enqueued_at, document_key;");
                if (state is OutboxState wanted)
                {
                    BindText(command, "state", OutboxStateNames.Of(wanted));
                }

                using NpgsqlDataReader reader = session.Reader(command);
                return (IReadOnlyList<OutboxItem>)OutboxRows.ReadAll(reader);
            });

        private static OutboxItem? ReadOne(PostgresSession session, NpgsqlCommand command)
        {
            using NpgsqlDataReader reader = session.Reader(command);
            return OutboxRows.ReadNext(reader);
        }
    }
}
