using System;
using System.Collections.Generic;
using System.Linq;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>Audit names of the operators' outbox changes; stable because log queries depend on them.</summary>
    public static class OutboxAuditOperations
    {
        /// <summary>An item put back to pending, due now (outcome success or refused).</summary>
        public const string Reset = "outbox-reset";

        /// <summary>An item given up on purpose (outcome success or refused); the record says who and why.</summary>
        public const string Abandon = "outbox-abandon";
    }

    /// <summary>
    /// An outbox item as an operator sees it. Safe to show and to log: <see cref="Source"/> is the local path or the
    /// URL without its query (a download URL's query is its credential and stays in the journal).
    /// </summary>
    public sealed class OutboxDocument
    {
        internal OutboxDocument(OutboxItem item, DateTimeOffset now)
        {
            DocumentKey = item.DocumentKey;
            Kind = item.Kind;
            State = item.State;
            FileName = item.FileName;
            TransferId = item.TransferId;
            ConversationId = item.ConversationId;
            MessageId = item.MessageId;
            AttachmentId = item.AttachmentId;
            Source = DocumentMetadata.SafeSource(item.Source);
            FallbackSource = DocumentMetadata.SafeSource(item.FallbackSource);
            ContentType = item.ContentType;
            Sha256 = item.Sha256;
            Length = item.Length;
            Attempts = item.Attempts;
            EnqueuedAt = item.EnqueuedAt;
            NextAttemptAt = item.State == OutboxState.Pending ? item.NextAttemptAt : (DateTimeOffset?)null;
            LastError = item.LastError;
            Reason = item.StateReason;
            ChangedBy = item.StateChangedBy;
            ChangedAt = item.StateChangedAt;
            LeasedBy = item.LeaseUntil > now ? item.ClaimedBy : null;
            LeaseUntil = item.LeaseUntil > now ? item.LeaseUntil : null;
            StoredLocation = item.StoredLocation;
            ArchivedAt = item.ArchivedAt;
        }

        public string DocumentKey { get; }
        /// <summary><c>transfer</c> or <c>attachment</c>.</summary>
        public string Kind { get; }
        public OutboxState State { get; }
        public string FileName { get; }
        public Guid? TransferId { get; }
        public string? ConversationId { get; }
        public string? MessageId { get; }
        public string? AttachmentId { get; }
        /// <summary>The local path, or the URL without its query.</summary>
        public string? Source { get; }
        /// <summary>A callback's attachment URL (without its query) kept for when the local file is gone.</summary>
        public string? FallbackSource { get; }
        public string? ContentType { get; }
        public string? Sha256 { get; }
        public long? Length { get; }
        /// <summary>How many times a sync run has taken the item.</summary>
        public int Attempts { get; }
        public DateTimeOffset EnqueuedAt { get; }
        /// <summary>When a sync run may take a pending item next; empty in other states.</summary>
        public DateTimeOffset? NextAttemptAt { get; }
        /// <summary>The last failure, as <c>ErrorId: message</c>.</summary>
        public string? LastError { get; }
        /// <summary>Why the item is source-missing or abandoned.</summary>
        public string? Reason { get; }
        /// <summary>Who last changed its state by hand (user@host) or as a worker.</summary>
        public string? ChangedBy { get; }
        public DateTimeOffset? ChangedAt { get; }
        /// <summary>The worker archiving it right now, while its lease lasts.</summary>
        public string? LeasedBy { get; }
        public DateTimeOffset? LeaseUntil { get; }
        public string? StoredLocation { get; }
        public DateTimeOffset? ArchivedAt { get; }

        public override string ToString() => DocumentKey + " (" + State + ")";
    }

    /// <summary>An operator's change to an outbox item was refused; <see cref="ErrorId"/> is stable.</summary>
    public sealed class OutboxAdministrationException : Exception
    {
        public OutboxAdministrationException(string errorId, string documentKey, string message, OutboxDocument? document = null)
            : base(message)
        {
            ErrorId = errorId;
            DocumentKey = documentKey;
            Document = document;
        }

        /// <summary><c>DocumentNotFound</c>, <c>DocumentLeased</c>, <c>DocumentStateInvalid</c> or <c>AbandonReasonMissing</c>.</summary>
        public string ErrorId { get; }
        public string DocumentKey { get; }
        /// <summary>The item as it stands, when there is one.</summary>
        public OutboxDocument? Document { get; }
    }

    /// <summary>Which outbox items to list; unset filters do not filter.</summary>
    public sealed class OutboxFilter
    {
        public IReadOnlyCollection<OutboxState>? States { get; set; }
        public IReadOnlyCollection<string>? DocumentKeys { get; set; }
        public IReadOnlyCollection<Guid>? TransferIds { get; set; }
    }

    /// <summary>
    /// What an operator may do with the document outbox: list it, put items back to pending (a retry now, or a
    /// source-missing document whose file is back), and abandon one on purpose. Each change is one atomic journal
    /// operation that leaves an item a worker is archiving right now alone, and is audited with who did it.
    /// </summary>
    public sealed class OutboxAdministration
    {
        public const string DocumentNotFound = nameof(DocumentNotFound);
        public const string DocumentLeased = nameof(DocumentLeased);
        public const string DocumentStateInvalid = nameof(DocumentStateInvalid);
        public const string AbandonReasonMissing = nameof(AbandonReasonMissing);

        private readonly IDocumentOutbox _outbox;
        private readonly AuditLog _audit;
        private readonly TimeProvider _time;
        private readonly string? _correlationId;

        /// <summary>
        /// On the system clock. The cmdlets use this one: a call that names TimeProvider, even by a defaulted
        /// parameter, makes the calling assembly reference Microsoft.Bcl.TimeProvider, and the cmdlet assembly must
        /// reference no third-party library (it loads in PowerShell's default load context).
        /// </summary>
        public OutboxAdministration(IDocumentOutbox outbox, AuditLog audit, string correlationId)
            : this(outbox, audit, null, correlationId)
        {
        }

        public OutboxAdministration(IDocumentOutbox outbox, AuditLog audit, TimeProvider? time = null, string? correlationId = null)
        {
            _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
            _audit = audit ?? throw new ArgumentNullException(nameof(audit));
            _time = time ?? TimeProvider.System;
            _correlationId = correlationId;
        }

        /// <summary>Who is acting: the user (with the domain on Windows) at this machine.</summary>
        public static string CurrentActor()
        {
            string domain = Environment.UserDomainName;
            string user = string.IsNullOrEmpty(domain) || string.Equals(domain, Environment.MachineName, StringComparison.OrdinalIgnoreCase)
                ? Environment.UserName
                : domain + "\\" + Environment.UserName;
            return user + "@" + Environment.MachineName;
        }

        /// <summary>The matching items, oldest first.</summary>
        public IReadOnlyList<OutboxDocument> Find(OutboxFilter? filter)
        {
            filter ??= new OutboxFilter();
            DateTimeOffset now = _time.GetUtcNow();
            IEnumerable<OutboxItem> items;
            if (filter.DocumentKeys != null && filter.DocumentKeys.Count > 0)
            {
                items = filter.DocumentKeys.Distinct(StringComparer.Ordinal).Select(_outbox.GetItem).Where(i => i != null).Select(i => i!)
                    .OrderBy(i => i.EnqueuedAt).ThenBy(i => i.DocumentKey, StringComparer.Ordinal);
            }
            else if (filter.States != null && filter.States.Count == 1)
            {
                items = _outbox.GetOutbox(filter.States.First());
            }
            else
            {
                items = _outbox.GetOutbox(null);
            }

            if (filter.States != null && filter.States.Count > 0)
            {
                var states = new HashSet<OutboxState>(filter.States);
                items = items.Where(i => states.Contains(i.State));
            }

            if (filter.TransferIds != null && filter.TransferIds.Count > 0)
            {
                var ids = new HashSet<Guid>(filter.TransferIds);
                items = items.Where(i => i.TransferId is Guid id && ids.Contains(id));
            }

            return items.Select(i => new OutboxDocument(i, now)).ToList();
        }

        /// <summary>
        /// Puts a pending or source-missing item back to pending, due now. Throws
        /// <see cref="OutboxAdministrationException"/> when there is no such item, a worker is archiving it, or it is
        /// archived or abandoned.
        /// </summary>
        public OutboxDocument Reset(string documentKey, string? actor = null)
        {
            RequireKey(documentKey);
            string by = string.IsNullOrWhiteSpace(actor) ? CurrentActor() : actor!;
            DateTimeOffset now = _time.GetUtcNow();
            OutboxChangeResult result = _outbox.Reset(documentKey, by, now);
            return Conclude(OutboxAuditOperations.Reset, "reset", documentKey, result, by, reason: null, now);
        }

        /// <summary>
        /// Abandons a pending or source-missing item: it is never archived, and the journal and the audit log say who
        /// gave it up and why. Refused like <see cref="Reset"/>, and for an empty reason.
        /// </summary>
        public OutboxDocument Abandon(string documentKey, string reason, string? actor = null)
        {
            RequireKey(documentKey);
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new OutboxAdministrationException(
                    AbandonReasonMissing,
                    documentKey,
                    $"Document '{documentKey}' was not abandoned: give the reason (it is recorded with the document and in the audit log).");
            }

            string by = string.IsNullOrWhiteSpace(actor) ? CurrentActor() : actor!;
            DateTimeOffset now = _time.GetUtcNow();
            string trimmed = reason.Trim();
            OutboxChangeResult result = _outbox.Abandon(documentKey, trimmed, by, now);
            return Conclude(OutboxAuditOperations.Abandon, "abandon", documentKey, result, by, trimmed, now);
        }

        private OutboxDocument Conclude(string operation, string verb, string documentKey, OutboxChangeResult result, string by, string? reason, DateTimeOffset now)
        {
            OutboxDocument? document = result.Item is null ? null : new OutboxDocument(result.Item, now);
            string? refusal = null;
            string? message = null;
            switch (result.Change)
            {
                case OutboxChange.Changed:
                    break;
                case OutboxChange.NotFound:
                    refusal = DocumentNotFound;
                    message = $"The outbox has no document '{documentKey}'; check the key, and that this is the journal the document was queued in.";
                    break;
                case OutboxChange.Leased:
                    refusal = DocumentLeased;
                    message = $"Document '{documentKey}' was not changed: {document!.LeasedBy ?? "a worker"} is archiving it right now (lease until {document.LeaseUntil:u}). Try again after that.";
                    break;
                default:
                    refusal = DocumentStateInvalid;
                    message = $"Document '{documentKey}' was not changed: it is {document!.State}, which is final. Only pending and source-missing documents can be reset or abandoned.";
                    break;
            }

            string detail = $"key {documentKey}; by {by}" + (reason is null ? string.Empty : "; reason: " + reason)
                + (document is null ? string.Empty : "; state " + document.State);
            _audit.Write(new AuditRecord(operation, refusal is null ? AuditOutcomes.Success : AuditOutcomes.Refused)
            {
                CorrelationId = _correlationId,
                TransferId = document?.TransferId,
                ConversationId = document?.ConversationId,
                FileName = document?.FileName,
                Sha256 = document?.Sha256,
                Status = document?.State.ToString(),
                ErrorCode = refusal,
                Detail = detail,
            });

            if (refusal != null)
            {
                throw new OutboxAdministrationException(refusal, documentKey, message!, document);
            }

            return document!;
        }

        private static void RequireKey(string documentKey)
        {
            if (string.IsNullOrWhiteSpace(documentKey))
            {
                throw new ArgumentException("A document key is required.", nameof(documentKey));
            }
        }
    }
}
