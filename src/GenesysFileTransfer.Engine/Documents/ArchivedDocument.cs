using System;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>A document that is in the document-management store and recorded as archived in the journal.</summary>
    public sealed class ArchivedDocument
    {
        public string DocumentKey { get; internal set; } = string.Empty;

        /// <summary>"transfer" or "attachment".</summary>
        public string Kind { get; internal set; } = string.Empty;

        public string FileName { get; internal set; } = string.Empty;

        /// <summary>The stored document: a full path, or <c>s3://bucket/key</c>.</summary>
        public string Location { get; internal set; } = string.Empty;

        public string Sha256 { get; internal set; } = string.Empty;
        public long Length { get; internal set; }
        public Guid? TransferId { get; internal set; }
        public string? ConversationId { get; internal set; }
        public string? MessageId { get; internal set; }
        public string? AttachmentId { get; internal set; }
        public DateTimeOffset EnqueuedAt { get; internal set; }
        public DateTimeOffset ArchivedAt { get; internal set; }

        /// <summary>From receipt (enqueue) to archive.</summary>
        public TimeSpan Latency { get; internal set; }

        /// <summary>Which attempt succeeded (1 = the first).</summary>
        public int Attempt { get; internal set; }

        /// <summary>True when the store already held this document (an earlier attempt stored it but did not record it).</summary>
        public bool AlreadyStored { get; internal set; }

        /// <summary>True when the store held damaged bytes under this key (from an earlier version) and they were rewritten and verified.</summary>
        public bool Repaired { get; internal set; }

        /// <summary>The document store (a folder, an S3 endpoint).</summary>
        public string Sink { get; internal set; } = string.Empty;

        public override string ToString() => DocumentKey + " -> " + Location;
    }

    /// <summary>What one attempt at one outbox item came to.</summary>
    public sealed class DocumentArchiveOutcome
    {
        internal DocumentArchiveOutcome(string documentKey, string fileName, int attempt)
        {
            DocumentKey = documentKey;
            FileName = fileName;
            Attempt = attempt;
        }

        public string DocumentKey { get; }
        public string FileName { get; }
        public int Attempt { get; }

        /// <summary>Set when the document is stored and recorded.</summary>
        public ArchivedDocument? Document { get; internal set; }

        /// <summary>Set when the attempt failed; the item is back in the outbox until <see cref="NextAttemptAt"/>.</summary>
        public DocumentArchiveException? Error { get; internal set; }

        public DateTimeOffset? NextAttemptAt { get; internal set; }

        /// <summary>
        /// The document was stored, but the journal no longer listed this worker as its holder (its lease ran out and
        /// another worker took the item over); that worker records it.
        /// </summary>
        public bool LeaseLost { get; internal set; }

        /// <summary>The malware scanner found malware: the item was set aside as <see cref="Journal.OutboxState.Quarantined"/>, not stored.</summary>
        public bool Quarantined { get; internal set; }

        /// <summary>
        /// The document's bytes are gone (<see cref="Error"/> says which way failed); the item was set aside as
        /// <see cref="Journal.OutboxState.SourceMissing"/> and is not tried again until it is reset.
        /// </summary>
        public bool SourceMissing { get; internal set; }

        public bool Succeeded => Document != null;
    }

    /// <summary>The totals of one drain of the outbox.</summary>
    public sealed class DocumentDrainSummary
    {
        public int Archived { get; internal set; }
        public int Failed { get; internal set; }
        public int LeaseLost { get; internal set; }

        /// <summary>Items set aside because their bytes are gone (not counted in <see cref="Failed"/>).</summary>
        public int SourceMissing { get; internal set; }

        /// <summary>Documents the malware scanner found infected, quarantined and not stored.</summary>
        public int Quarantined { get; internal set; }

        /// <summary>Set when the drain stopped early because the document store kept failing.</summary>
        public string? StoppedBecause { get; internal set; }
    }
}
