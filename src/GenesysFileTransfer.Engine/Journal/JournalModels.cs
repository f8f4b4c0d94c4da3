using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>A transfer as the journal keeps it: everything needed to resume it in a later session.</summary>
    public sealed class JournalTransfer
    {
        public Guid TransferId { get; set; }
        /// <summary>SHA-256 of the file + conversation + communication: the same file to the same place is one transfer.</summary>
        public string IdempotencyKey { get; set; } = string.Empty;
        public string ConversationId { get; set; } = string.Empty;
        public string CommunicationId { get; set; } = string.Empty;
        public string FilePath { get; set; } = string.Empty;
        public string FileName { get; set; } = string.Empty;
        public long Length { get; set; }
        public string ContentType { get; set; } = string.Empty;
        public string Sha256 { get; set; } = string.Empty;
        public string ContentMd5 { get; set; } = string.Empty;
        public string? MediaId { get; set; }
        /// <summary>A <see cref="Transfers.TransferStatus"/> name.</summary>
        public string Status { get; set; } = string.Empty;
        public string? MessageId { get; set; }
        public string? FailureReason { get; set; }
        /// <summary>The transfer metadata (bucket reference, access policy, virus scan flag) as JSON.</summary>
        public string MetadataJson { get; set; } = "{}";
        public IReadOnlyList<string> PreviousMediaIds { get; set; } = Array.Empty<string>();
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
    }

    /// <summary>Filters for <see cref="ITransferJournal.QueryTransfers"/>; unset fields do not filter.</summary>
    public sealed class TransferQuery
    {
        public Guid? TransferId { get; set; }
        public string? Status { get; set; }
        /// <summary>Exact full path, or a file name; matched case-sensitively on the platform's terms by the store.</summary>
        public string? File { get; set; }
        public string? Sha256 { get; set; }
        public string? ConversationId { get; set; }
        public DateTimeOffset? Since { get; set; }
        public int? Limit { get; set; }
    }

    public enum OutboxState
    {
        Pending,
        Archived,
    }

    /// <summary>
    /// A document waiting to be archived in the document-management store. Its <see cref="DocumentKey"/> is
    /// deterministic (per transfer, or per callback attachment), so a retry or a second listener can never create a
    /// second copy.
    /// </summary>
    public sealed class OutboxItem
    {
        public string DocumentKey { get; set; } = string.Empty;
        /// <summary>"transfer" (a file this module sent) or "attachment" (announced by a callback).</summary>
        public string Kind { get; set; } = string.Empty;
        public Guid? TransferId { get; set; }
        public string? ConversationId { get; set; }
        public string? MessageId { get; set; }
        public string? AttachmentId { get; set; }
        /// <summary>Where the bytes are: a local path for transfers, the attachment URL for callbacks. A URL here is
        /// a credential: never log it with its query.</summary>
        public string Source { get; set; } = string.Empty;
        public string FileName { get; set; } = string.Empty;
        public string? ContentType { get; set; }
        public string? Sha256 { get; set; }
        public long? Length { get; set; }
        public string MetadataJson { get; set; } = "{}";
        public OutboxState State { get; set; }
        public int Attempts { get; set; }
        public DateTimeOffset EnqueuedAt { get; set; }
        public DateTimeOffset NextAttemptAt { get; set; }
        public string? LastError { get; set; }
        public string? ClaimedBy { get; set; }
        public DateTimeOffset? LeaseUntil { get; set; }
        public string? StoredLocation { get; set; }
        public DateTimeOffset? ArchivedAt { get; set; }
    }
}
