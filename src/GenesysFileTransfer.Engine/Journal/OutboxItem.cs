using System;

namespace GenesysFileTransfer.Engine.Journal
{
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
