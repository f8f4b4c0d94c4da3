using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Journal.OutboxStateNames;
using static GenesysFileTransfer.Engine.Journal.Sqlite.SqliteDatabase;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// The document outbox in the journal file.
    /// </summary>
    /// <remarks>
    /// <see cref="OutboxItem.Attempts"/> counts claims: <see cref="ClaimNext"/> increments it, so an attempt cut short
    /// by a crash still counts towards the caller's backoff.
    /// </remarks>
    internal sealed class SqliteDocumentOutbox : IDocumentOutbox
    {
        /// <summary>
        /// SQL that keeps a signed URL's scheme, host and path and drops its query (the signature), applied to a
        /// document's sources in the same statement that archives or quarantines it: a signed URL is a credential,
        /// and the journal must not keep one for a document it no longer needs to fetch.
        /// </summary>
        private const string ForgetSignedSources =
            "source = CASE WHEN (source LIKE 'http://%' OR source LIKE 'https://%') AND instr(source, '?') > 0 THEN substr(source, 1, instr(source, '?') - 1) ELSE source END, " +
            "fallback_source = NULL";

        private readonly SqliteDatabase _db;

        public SqliteDocumentOutbox(SqliteDatabase db) => _db = db;

        public bool Enqueue(OutboxItem item)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }

            return _db.Run("add document " + item.DocumentKey + " to the outbox", connection => Insert(connection, null, item));
        }

        /// <summary>Adds the item unless its key exists, inside the caller's transaction; true when it was added.</summary>
        internal static bool Insert(SqliteConnection connection, SqliteTransaction? transaction, OutboxItem item)
        {
            using SqliteCommand command = Command(
                connection,
                transaction,
                "INSERT INTO outbox (" + OutboxRows.Columns + ") VALUES ($document_key, $kind, $transfer_id, $conversation_id, $message_id, " +
                "$attachment_id, $source, $file_name, $content_type, $sha256, $length, $metadata_json, $state, $attempts, $enqueued_at, " +
                "$next_attempt_at, $last_error, $claimed_by, $lease_until, $stored_location, $archived_at, $fallback_source, $state_reason, " +
                "$state_changed_by, $state_changed_at) ON CONFLICT (document_key) DO NOTHING;");
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
            Bind(command, "$state", OutboxStateNames.Of(item.State));
            Bind(command, "$attempts", item.Attempts);
            Bind(command, "$enqueued_at", Time(item.EnqueuedAt));
            Bind(command, "$next_attempt_at", Time(item.NextAttemptAt));
            Bind(command, "$last_error", item.LastError);
            Bind(command, "$claimed_by", item.ClaimedBy);
            Bind(command, "$lease_until", Time(item.LeaseUntil));
            Bind(command, "$stored_location", item.StoredLocation);
            Bind(command, "$archived_at", Time(item.ArchivedAt));
            Bind(command, "$fallback_source", item.FallbackSource);
            Bind(command, "$state_reason", item.StateReason);
            Bind(command, "$state_changed_by", item.StateChangedBy);
            Bind(command, "$state_changed_at", Time(item.StateChangedAt));
            return command.ExecuteNonQuery() == 1;
        }

        public OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease)
        {
            if (string.IsNullOrEmpty(workerId))
            {
                throw new ArgumentException("A worker id is required to claim an item.", nameof(workerId));
            }

            // BEGIN IMMEDIATE takes the write lock before the choice is made, so no other process can choose the
            // same item between this one's read and its write.
            return _db.InTransaction("claim an outbox item", (connection, transaction) =>
            {
                using SqliteCommand command = Command(
                    connection,
                    transaction,
                    "UPDATE outbox SET claimed_by = $worker, lease_until = $lease_until, attempts = attempts + 1 " +
                    "WHERE document_key = (SELECT document_key FROM outbox WHERE state = '" + Pending + "' AND next_attempt_at <= $now " +
                    "AND (lease_until IS NULL OR lease_until <= $now) ORDER BY next_attempt_at, enqueued_at, document_key LIMIT 1) " +
                    "RETURNING " + OutboxRows.Columns + ";");
                Bind(command, "$worker", workerId);
                Bind(command, "$now", Time(now));
                Bind(command, "$lease_until", Time(now + lease));
                using SqliteDataReader reader = command.ExecuteReader();
                return OutboxRows.ReadNext(reader);
            });
        }

        public bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at) =>
            ChangeClaimed(
                "mark document " + documentKey + " archived",
                documentKey,
                workerId,
                "state = '" + Archived + "', stored_location = $stored_location, archived_at = $archived_at, lease_until = NULL, last_error = NULL, " + ForgetSignedSources,
                command =>
                {
                    Bind(command, "$stored_location", storedLocation);
                    Bind(command, "$archived_at", Time(at));
                });

        public bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt) =>
            ChangeClaimed(
                "release document " + documentKey + " for another attempt",
                documentKey,
                workerId,
                "claimed_by = NULL, lease_until = NULL, last_error = $error, next_attempt_at = $next_attempt_at",
                command =>
                {
                    Bind(command, "$error", error);
                    Bind(command, "$next_attempt_at", Time(nextAttemptAt));
                });

        public bool MarkQuarantined(string documentKey, string workerId, string reason, DateTimeOffset at) =>
            ChangeClaimed(
                "quarantine document " + documentKey,
                documentKey,
                workerId,
                "state = '" + Quarantined + "', claimed_by = NULL, lease_until = NULL, last_error = $reason, state_reason = $reason, " +
                "state_changed_by = $worker, state_changed_at = $at, " + ForgetSignedSources,
                command =>
                {
                    Bind(command, "$reason", reason);
                    Bind(command, "$at", Time(at));
                });

        public bool MarkSourceMissing(string documentKey, string workerId, string reason, DateTimeOffset at) =>
            ChangeClaimed(
                "set document " + documentKey + " aside as missing its source",
                documentKey,
                workerId,
                "state = '" + SourceMissing + "', claimed_by = NULL, lease_until = NULL, last_error = $reason, state_reason = $reason, " +
                "state_changed_by = $worker, state_changed_at = $at",
                command =>
                {
                    Bind(command, "$reason", reason);
                    Bind(command, "$at", Time(at));
                });

        /// <summary>
        /// A worker's change to an item it claimed: it applies only while that worker still holds the item and the item
        /// is pending, so a worker whose lease ran out (and whose item another worker claimed) cannot overwrite the
        /// other's outcome. True when it applied.
        /// </summary>
        private bool ChangeClaimed(string action, string documentKey, string workerId, string assignments, Action<SqliteCommand> bind) =>
            _db.Run(action, connection =>
            {
                using SqliteCommand command = Command(
                    connection,
                    null,
                    "UPDATE outbox SET " + assignments + " WHERE document_key = $document_key AND claimed_by = $worker AND state = '" + Pending + "';");
                Bind(command, "$document_key", documentKey);
                Bind(command, "$worker", workerId);
                bind(command);
                return command.ExecuteNonQuery() == 1;
            });

        public OutboxItem? GetItem(string documentKey) =>
            _db.Run("read document " + documentKey + " from the outbox", connection => Read(connection, null, documentKey));

        public OutboxChangeResult Reset(string documentKey, string changedBy, DateTimeOffset now) =>
            Change(
                "reset document " + documentKey,
                documentKey,
                now,
                "state = '" + Pending + "', next_attempt_at = $now, claimed_by = NULL, lease_until = NULL, state_reason = NULL, " +
                "state_changed_by = $by, state_changed_at = $now",
                command => Bind(command, "$by", changedBy));

        public OutboxChangeResult Abandon(string documentKey, string reason, string changedBy, DateTimeOffset now) =>
            Change(
                "abandon document " + documentKey,
                documentKey,
                now,
                "state = '" + Abandoned + "', claimed_by = NULL, lease_until = NULL, state_reason = $reason, state_changed_by = $by, state_changed_at = $now",
                command =>
                {
                    Bind(command, "$by", changedBy);
                    Bind(command, "$reason", reason);
                });

        /// <summary>
        /// One operator change in one write transaction: the update applies only to a pending or source-missing item
        /// without a live lease; when it does not apply, the same transaction reads the item to say why.
        /// </summary>
        private OutboxChangeResult Change(string action, string documentKey, DateTimeOffset now, string assignments, Action<SqliteCommand> bind) =>
            _db.InTransaction(action, (connection, transaction) =>
            {
                using (SqliteCommand command = Command(
                    connection,
                    transaction,
                    "UPDATE outbox SET " + assignments + " WHERE document_key = $document_key AND state IN ('" + Pending + "', '" + SourceMissing + "') " +
                    "AND (lease_until IS NULL OR lease_until <= $now) RETURNING " + OutboxRows.Columns + ";"))
                {
                    Bind(command, "$document_key", documentKey);
                    Bind(command, "$now", Time(now));
                    bind(command);
                    using SqliteDataReader reader = command.ExecuteReader();
                    if (OutboxRows.ReadNext(reader) is OutboxItem changed)
                    {
                        return new OutboxChangeResult(OutboxChange.Changed, changed);
                    }
                }

                OutboxItem? current = Read(connection, transaction, documentKey);
                return OutboxChangeResult.Refused(current);
            });

        private static OutboxItem? Read(SqliteConnection connection, SqliteTransaction? transaction, string documentKey)
        {
            using SqliteCommand command = Command(connection, transaction, "SELECT " + OutboxRows.Columns + " FROM outbox WHERE document_key = $document_key;");
            Bind(command, "$document_key", documentKey);
            using SqliteDataReader reader = command.ExecuteReader();
            return OutboxRows.ReadNext(reader);
        }

        /// <summary>Outbox items in the order they were enqueued; every item when <paramref name="state"/> is null.</summary>
        public IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state) =>
            _db.Run("read the outbox", connection =>
            {
                using SqliteCommand command = Command(connection, null, "SELECT " + OutboxRows.Columns + " FROM outbox" + (state is null ? string.Empty : " WHERE state = $state") + " ORDER BY enqueued_at, document_key;");
                if (state is OutboxState wanted)
                {
                    Bind(command, "$state", OutboxStateNames.Of(wanted));
                }

                using SqliteDataReader reader = command.ExecuteReader();
                return (IReadOnlyList<OutboxItem>)OutboxRows.ReadAll(reader);
            });
    }
}
