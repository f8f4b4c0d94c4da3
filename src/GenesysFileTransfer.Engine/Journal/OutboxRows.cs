using System.Collections.Generic;
using System.Data.Common;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// A row of the <c>outbox</c> table as both journal stores select it: the column list and how its fields become an
    /// <see cref="OutboxItem"/>.
    /// </summary>
    internal static class OutboxRows
    {
        /// <summary>Every column of an item, in the order <see cref="Read"/> expects (and inserts bind).</summary>
        public const string Columns =
            "document_key, kind, transfer_id, conversation_id, message_id, attachment_id, source, file_name, content_type, sha256, " +
            "length, metadata_json, state, attempts, enqueued_at, next_attempt_at, last_error, claimed_by, lease_until, stored_location, archived_at, " +
            "fallback_source, state_reason, state_changed_by, state_changed_at";

        /// <summary>The item in the reader's current row, selected with <see cref="Columns"/>.</summary>
        public static OutboxItem Read(DbDataReader reader) => new OutboxItem
        {
            DocumentKey = reader.GetString(0),
            Kind = reader.GetString(1),
            TransferId = reader.GetTransferIdOrNull(2),
            ConversationId = reader.GetStringOrNull(3),
            MessageId = reader.GetStringOrNull(4),
            AttachmentId = reader.GetStringOrNull(5),
            Source = reader.GetString(6),
            FileName = reader.GetString(7),
            ContentType = reader.GetStringOrNull(8),
            Sha256 = reader.GetStringOrNull(9),
            Length = reader.GetInt64OrNull(10),
            MetadataJson = reader.GetString(11),
            State = OutboxStateNames.Parse(reader.GetString(12)),
            Attempts = reader.GetInt32(13),
            EnqueuedAt = reader.GetJournalTime(14),
            NextAttemptAt = reader.GetJournalTime(15),
            LastError = reader.GetStringOrNull(16),
            ClaimedBy = reader.GetStringOrNull(17),
            LeaseUntil = reader.GetJournalTimeOrNull(18),
            StoredLocation = reader.GetStringOrNull(19),
            ArchivedAt = reader.GetJournalTimeOrNull(20),
            FallbackSource = reader.GetStringOrNull(21),
            StateReason = reader.GetStringOrNull(22),
            StateChangedBy = reader.GetStringOrNull(23),
            StateChangedAt = reader.GetJournalTimeOrNull(24),
        };

        /// <summary>The item in the reader's next row; null when there is none.</summary>
        public static OutboxItem? ReadNext(DbDataReader reader) => reader.Read() ? Read(reader) : null;

        /// <summary>Every remaining row of the reader.</summary>
        public static List<OutboxItem> ReadAll(DbDataReader reader) => reader.ReadRows(Read);
    }
}
