using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Text.Json;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// A row of the <c>transfers</c> table as both journal stores select it: the column list and how its fields
    /// become a <see cref="JournalTransfer"/>.
    /// </summary>
    internal static class TransferRows
    {
        /// <summary>Every column of a transfer, in the order <see cref="Read"/> expects (and inserts bind).</summary>
        public const string Columns =
            "transfer_id, idempotency_key, conversation_id, communication_id, file_path, file_name, length, content_type, sha256, " +
            "content_md5, media_id, status, message_id, failure_reason, metadata_json, previous_media_ids, created_at, updated_at, " +
            "version, lease_owner, lease_until";

        /// <summary>The transfer in the reader's current row, selected with <see cref="Columns"/>.</summary>
        public static JournalTransfer Read(DbDataReader reader) => new JournalTransfer
        {
            TransferId = reader.GetTransferId(0),
            IdempotencyKey = reader.GetString(1),
            ConversationId = reader.GetString(2),
            CommunicationId = reader.GetString(3),
            FilePath = reader.GetString(4),
            FileName = reader.GetString(5),
            Length = reader.GetInt64(6),
            ContentType = reader.GetString(7),
            Sha256 = reader.GetString(8),
            ContentMd5 = reader.GetString(9),
            MediaId = reader.GetStringOrNull(10),
            Status = reader.GetString(11),
            MessageId = reader.GetStringOrNull(12),
            FailureReason = reader.GetStringOrNull(13),
            MetadataJson = reader.GetString(14),
            PreviousMediaIds = JsonSerializer.Deserialize<string[]>(reader.GetString(15)) ?? Array.Empty<string>(),
            CreatedAt = reader.GetJournalTime(16),
            UpdatedAt = reader.GetJournalTime(17),
            Version = reader.GetInt64(18),
            LeaseOwner = reader.GetStringOrNull(19),
            LeaseUntil = reader.GetJournalTimeOrNull(20),
        };

        /// <summary>Every remaining row of the reader.</summary>
        public static List<JournalTransfer> ReadAll(DbDataReader reader) => reader.ReadRows(Read);
    }
}
