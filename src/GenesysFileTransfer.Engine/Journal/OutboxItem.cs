using System;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>Where an outbox item stands. Only <see cref="Pending"/> items are claimed by sync runs.</summary>
    public enum OutboxState
    {
        /// <summary>Waiting to be archived (now, or at its next attempt).</summary>
        Pending,

        /// <summary>Stored in the document store; final.</summary>
        Archived,

        /// <summary>
        /// Its bytes are gone (the local file was deleted, the URL answers 404/410, Genesys no longer serves the
        /// media): no longer tried on every run, listed with its reason until someone resets or abandons it.
        /// </summary>
        SourceMissing,

        /// <summary>Deliberately given up by an operator (who and why are recorded); never archived.</summary>
        Abandoned,

        /// <summary>The malware scanner found malware in the document: it was not archived, and is never tried again (the signature is in StateReason).</summary>
        Quarantined,
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

        /// <summary>
        /// A second place the bytes can be fetched from when <see cref="Source"/> is gone: the attachment URL of the
        /// callback that announced a transfer's media. A credential like any URL here: never log it with its query.
        /// </summary>
        public string? FallbackSource { get; set; }

        /// <summary>Why the item is in its state: the missing source, or the operator's reason for abandoning it.</summary>
        public string? StateReason { get; set; }

        /// <summary>Who last moved the item by hand or by a worker (user@host, or the worker id).</summary>
        public string? StateChangedBy { get; set; }

        public DateTimeOffset? StateChangedAt { get; set; }
    }

    /// <summary>What an operator's change to an outbox item came to.</summary>
    public enum OutboxChange
    {
        /// <summary>The item was changed as asked.</summary>
        Changed,

        /// <summary>No item has that document key.</summary>
        NotFound,

        /// <summary>A worker holds a live lease on it (it is being archived right now); nothing was changed.</summary>
        Leased,

        /// <summary>Its state does not allow the change (archived or abandoned); nothing was changed.</summary>
        NotAllowed,
    }

    /// <summary>The outcome of <see cref="IDocumentOutbox.Reset"/> or <see cref="IDocumentOutbox.Abandon"/>, with the item as it is now.</summary>
    public sealed class OutboxChangeResult
    {
        public OutboxChangeResult(OutboxChange change, OutboxItem? item)
        {
            Change = change;
            Item = item;
        }

        public OutboxChange Change { get; }

        /// <summary>The item after the change (or as it stands, when refused); null when not found.</summary>
        public OutboxItem? Item { get; }

        /// <summary>
        /// Why a store's change did not apply, told from the item as it stands: a pending or source-missing item could
        /// only have been held by a live lease; any other state does not allow the change.
        /// </summary>
        internal static OutboxChangeResult Refused(OutboxItem? current) =>
            new OutboxChangeResult(
                current is null ? OutboxChange.NotFound
                : current.State == OutboxState.Pending || current.State == OutboxState.SourceMissing ? OutboxChange.Leased
                : OutboxChange.NotAllowed,
                current);
    }
}
