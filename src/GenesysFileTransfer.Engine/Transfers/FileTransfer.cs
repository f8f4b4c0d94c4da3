using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// A transfer session: the module's own record of one file on its way into one conversation. Genesys has no
    /// such object; the record is backed by a message-media upload (<see cref="MediaId"/>), replaced by a fresh
    /// one on renewal while <see cref="TransferId"/> stays the same.
    /// </summary>
    /// <remarks>
    /// This object is a view of the journal, which alone decides: every step of the engine reads the transfer's current
    /// state from the journal before it acts and refreshes this view afterwards, so an object that a session kept for
    /// hours (or that another process moved on meanwhile) can never make the engine act on a stale state.
    /// </remarks>
    public sealed class FileTransfer
    {
        private readonly object _gate = new object();
        private IReadOnlyList<TransferHistoryEntry> _history = Array.Empty<TransferHistoryEntry>();
        private IReadOnlyList<string> _previousMediaIds = Array.Empty<string>();
        private PresignedUpload? _upload;
        private string? _uploadMediaId;

        private FileTransfer(JournalTransfer record, TransferMetadata metadata)
        {
            TransferId = record.TransferId;
            ConversationId = record.ConversationId;
            CommunicationId = record.CommunicationId;
            Path = record.FilePath;
            FileName = record.FileName;
            Length = record.Length;
            Sha256 = record.Sha256;
            ContentMd5 = record.ContentMd5;
            ContentType = record.ContentType;
            Metadata = metadata;
            CreatedAt = record.CreatedAt;
            IdempotencyKey = record.IdempotencyKey;
        }

        public Guid TransferId { get; }
        public string ConversationId { get; }
        public string CommunicationId { get; }
        /// <summary>The current Genesys media id; changes on renewal (earlier ones are in <see cref="PreviousMediaIds"/>).</summary>
        public string? MediaId { get; private set; }
        /// <summary>
        /// The file on this machine. A transfer resumed from a shared journal keeps the path of the process that recorded
        /// it in the journal, but uploads from the local file with the same bytes (same SHA-256) this process was given.
        /// </summary>
        public string Path { get; internal set; }
        /// <summary>The name Genesys was given (and shows in the conversation).</summary>
        public string FileName { get; }

        /// <summary>The file's name on disk, kept in the journal with its path; differs from <see cref="FileName"/> when sent with -FileName.</summary>
        public string OriginalFileName => string.IsNullOrEmpty(Path) ? FileName : System.IO.Path.GetFileName(Path);
        public long Length { get; }
        public string ContentType { get; }
        /// <summary>Lower-case hex SHA-256 of the bytes, for the audit trail and de-duplication.</summary>
        public string Sha256 { get; }
        /// <summary>Base64 MD5 sent as contentMd5, so the storage host rejects bytes that changed after validation.</summary>
        public string ContentMd5 { get; }
        public TransferMetadata Metadata { get; }
        public DateTimeOffset CreatedAt { get; }
        public TransferStatus Status { get; private set; }
        /// <summary>When the current upload URL stops working (read from the URL, or assumed).</summary>
        public DateTimeOffset? ExpiresAt => Upload?.ExpiresAt;
        /// <summary>The upload URL without its signature, safe to show.</summary>
        public string? UploadUrl => Upload?.RedactedUrl;
        public DateTimeOffset? UploadedAt { get; private set; }
        public DateTimeOffset? ScannedAt { get; private set; }
        public DateTimeOffset? DeliveredAt { get; private set; }
        public string? MessageId { get; private set; }
        /// <summary>The media type Genesys detected, once validated in this session.</summary>
        public string? DetectedMediaType { get; internal set; }
        public string? FailureReason { get; private set; }
        public int RenewalCount => PreviousMediaIds.Count;

        /// <summary>
        /// True when the delivery was confirmed by reading the conversation back (the answer to the send was lost),
        /// rather than by the answer itself.
        /// </summary>
        public bool Reconciled { get; private set; }

        /// <summary>
        /// True when this object was read back from the journal (a transfer of an earlier session, or one found again
        /// by its file and target) rather than created in this session. Its upload URL is not kept in the journal,
        /// because the signature in it is a credential; a resumed transfer that still has to upload gets a fresh one.
        /// </summary>
        public bool Resumed { get; internal set; }

        /// <summary>
        /// The same bytes to the same conversation and communication are one transfer: the file's SHA-256 and both ids.
        /// </summary>
        public string IdempotencyKey { get; }

        /// <summary>The journal row's version this view was last refreshed from.</summary>
        internal long Version { get; private set; }

        // The journal row this view was last refreshed from (a copy): the next transition starts from it, since any
        // change by another process bumps the version and fails that transition's compare-and-set.
        private JournalTransfer? _record;

        public IReadOnlyList<string> PreviousMediaIds
        {
            get
            {
                lock (_gate)
                {
                    return _previousMediaIds;
                }
            }
        }

        public IReadOnlyList<TransferHistoryEntry> History
        {
            get
            {
                lock (_gate)
                {
                    return _history;
                }
            }
        }

        /// <summary>The presigned upload of the current media, while this session holds it (never from the journal).</summary>
        internal PresignedUpload? Upload
        {
            get
            {
                lock (_gate)
                {
                    return string.Equals(_uploadMediaId, MediaId, StringComparison.Ordinal) ? _upload : null;
                }
            }
        }

        internal static string KeyFor(string sha256, string conversationId, string communicationId) =>
            "sha256:" + sha256.ToLowerInvariant() + "|conversation:" + conversationId + "|communication:" + communicationId;

        /// <summary>A view of a transfer as the journal holds it.</summary>
        internal static FileTransfer FromJournal(JournalTransfer record, IReadOnlyList<TransferHistoryEntry> history, string journalLocation)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            TransferMetadata metadata;
            try
            {
                metadata = JsonSerializer.Deserialize<TransferMetadata>(string.IsNullOrEmpty(record.MetadataJson) ? "{}" : record.MetadataJson, Json.Options) ?? new TransferMetadata();
            }
            catch (JsonException ex)
            {
                throw new TransferJournalException(journalLocation, $"The metadata of transfer {record.TransferId} in the journal '{journalLocation}' is not valid JSON: {ex.Message}", ex);
            }

            // Read back from the journal; the engine clears this for a transfer it has just recorded itself.
            var transfer = new FileTransfer(record, metadata) { Resumed = true };
            transfer.Refresh(record, history, journalLocation);
            return transfer;
        }

        /// <summary>The record of a transfer that is about to be opened: recorded Pending before anything is sent.</summary>
        internal static JournalTransfer NewRecord(Guid transferId, string conversationId, string communicationId, FileFacts file, string fileName, string contentType, TransferMetadata metadata, DateTimeOffset now) =>
            new JournalTransfer
            {
                TransferId = transferId,
                IdempotencyKey = KeyFor(file.Sha256, conversationId, communicationId),
                ConversationId = conversationId,
                CommunicationId = communicationId,
                FilePath = file.Path,
                FileName = string.IsNullOrEmpty(fileName) ? file.FileName : fileName,
                Length = file.Length,
                ContentType = contentType,
                Sha256 = file.Sha256,
                ContentMd5 = file.Md5Base64,
                Status = nameof(TransferStatus.Pending),
                MetadataJson = JsonSerializer.Serialize(metadata ?? new TransferMetadata(), Json.Options),
                CreatedAt = now,
                UpdatedAt = now,
            };

        /// <summary>Brings this view up to the journal's state. A media id that changed drops the upload URL this session held.</summary>
        internal void Refresh(JournalTransfer record, IReadOnlyList<TransferHistoryEntry> history, string journalLocation)
        {
            TransferStatus status = TransferTransitions.StatusOf(record, journalLocation);
            lock (_gate)
            {
                if (_record != null && record.Version < _record.Version)
                {
                    // A row read before this view moved on (another thread of this process found the transfer by its
                    // key while this one held the lease and stepped it forward). Versions only grow; taking the older
                    // row would make this view's next compare-and-set fail against its own step.
                    return;
                }

                _record = record.Clone();
                Status = status;
                MediaId = record.MediaId;
                MessageId = record.MessageId;
                FailureReason = record.FailureReason;
                Version = record.Version;
                _previousMediaIds = (record.PreviousMediaIds ?? Array.Empty<string>()).ToArray();
                _history = (history ?? Array.Empty<TransferHistoryEntry>()).ToArray();
                UploadedAt = LastTimeOf("uploaded");
                ScannedAt = LastTimeOf("valid", "invalid");
                DeliveredAt = LastTimeOf("delivered", "reconciled-delivered");
                Reconciled = status == TransferStatus.Delivered && LastTimeOf("reconciled-delivered") != null;
            }
        }

        /// <summary>The journal row at <see cref="Version"/>, as this view last saw it; null before the first refresh.</summary>
        internal JournalTransfer? RecordCopy()
        {
            lock (_gate)
            {
                return _record?.Clone();
            }
        }

        /// <summary>
        /// Moves this view on by one transition this process has just stored: the row the store returned and the
        /// history as it was plus the one new entry. Only valid for the version right after this view's, which the
        /// compare-and-set guarantees; anything else is refreshed from the journal by the caller.
        /// </summary>
        internal bool TryAdvance(JournalTransfer stored, TransferHistoryEntry entry, string journalLocation)
        {
            IReadOnlyList<TransferHistoryEntry> history;
            lock (_gate)
            {
                if (stored.Version != Version + 1)
                {
                    return false;
                }

                history = _history.Concat(new[] { entry }).ToArray();
            }

            Refresh(stored, history, journalLocation);
            return true;
        }

        /// <summary>Keeps the presigned upload of a media this session opened.</summary>
        internal void HoldUpload(string mediaId, PresignedUpload upload)
        {
            lock (_gate)
            {
                _uploadMediaId = mediaId;
                _upload = upload;
            }
        }

        public override string ToString() => $"{FileName} ({TransferId}) {Status}";

        private DateTimeOffset? LastTimeOf(params string[] events)
        {
            for (int i = _history.Count - 1; i >= 0; i--)
            {
                if (Array.IndexOf(events, _history[i].Event) >= 0)
                {
                    return _history[i].Time;
                }
            }

            return null;
        }
    }
}
