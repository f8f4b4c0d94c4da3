using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
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
    public sealed class FileTransfer
    {
        private readonly List<TransferHistoryEntry> _history = new List<TransferHistoryEntry>();
        private readonly List<string> _previousMediaIds = new List<string>();
        private readonly object _gate = new object();

        internal FileTransfer(Guid transferId, string conversationId, string communicationId, FileFacts file, string contentType, TransferMetadata metadata, DateTimeOffset createdAt)
        {
            TransferId = transferId;
            ConversationId = conversationId;
            CommunicationId = communicationId;
            Path = file.Path;
            FileName = file.FileName;
            Length = file.Length;
            Sha256 = file.Sha256;
            ContentMd5 = file.Md5Base64;
            ContentType = contentType;
            Metadata = metadata;
            CreatedAt = createdAt;
        }

        private FileTransfer(JournalTransfer record, TransferMetadata metadata, IReadOnlyList<TransferHistoryEntry> history, string journalLocation)
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
            MediaId = record.MediaId;
            MessageId = record.MessageId;
            FailureReason = record.FailureReason;
            Resumed = true;
            _previousMediaIds.AddRange(record.PreviousMediaIds ?? Array.Empty<string>());
            _history.AddRange(history);
            if (!Enum.TryParse(record.Status, ignoreCase: false, out TransferStatus status) || !Enum.IsDefined(typeof(TransferStatus), status))
            {
                throw new TransferJournalException(journalLocation, $"Transfer {record.TransferId} in the journal '{journalLocation}' has the status '{record.Status}', which this version of the module does not know.");
            }

            Status = status;
            UploadedAt = LastTimeOf("uploaded");
            ScannedAt = LastTimeOf("valid", "invalid");
            DeliveredAt = LastTimeOf("delivered");
        }

        public Guid TransferId { get; }
        public string ConversationId { get; }
        public string CommunicationId { get; }
        /// <summary>The current Genesys media id; changes on renewal (earlier ones are in <see cref="PreviousMediaIds"/>).</summary>
        public string? MediaId { get; private set; }
        public string Path { get; }
        public string FileName { get; }
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
        /// <summary>The media type Genesys detected, once validated.</summary>
        public string? DetectedMediaType { get; private set; }
        public string? FailureReason { get; private set; }
        public int RenewalCount => _previousMediaIds.Count;

        /// <summary>
        /// True when this object was read back from the journal (a transfer of an earlier session, or one found again
        /// by its file and target) rather than created in this session. Its upload URL is not kept in the journal,
        /// because the signature in it is a credential; a resumed transfer that still has to upload gets a fresh one.
        /// </summary>
        public bool Resumed { get; }

        /// <summary>
        /// The same bytes to the same conversation and communication are one transfer: the file's SHA-256 and both ids.
        /// </summary>
        public string IdempotencyKey => KeyFor(Sha256, ConversationId, CommunicationId);

        /// <summary>Serializes the steps of this transfer across callers, so two pipelines never upload or deliver it twice at once.</summary>
        internal SemaphoreSlim WorkGate { get; } = new SemaphoreSlim(1, 1);

        public IReadOnlyList<string> PreviousMediaIds
        {
            get
            {
                lock (_gate)
                {
                    return _previousMediaIds.ToArray();
                }
            }
        }

        public IReadOnlyList<TransferHistoryEntry> History
        {
            get
            {
                lock (_gate)
                {
                    return _history.ToArray();
                }
            }
        }

        internal PresignedUpload? Upload { get; private set; }

        internal static string KeyFor(string sha256, string conversationId, string communicationId) =>
            "sha256:" + sha256.ToLowerInvariant() + "|conversation:" + conversationId + "|communication:" + communicationId;

        /// <summary>Rebuilds a transfer of an earlier session from its journal record and history.</summary>
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

            return new FileTransfer(record, metadata, history ?? Array.Empty<TransferHistoryEntry>(), journalLocation);
        }

        /// <summary>This transfer's state as the journal keeps it.</summary>
        internal JournalTransfer ToJournal(DateTimeOffset now)
        {
            lock (_gate)
            {
                return new JournalTransfer
                {
                    TransferId = TransferId,
                    IdempotencyKey = IdempotencyKey,
                    ConversationId = ConversationId,
                    CommunicationId = CommunicationId,
                    FilePath = Path,
                    FileName = FileName,
                    Length = Length,
                    ContentType = ContentType,
                    Sha256 = Sha256,
                    ContentMd5 = ContentMd5,
                    MediaId = MediaId,
                    Status = Status.ToString(),
                    MessageId = MessageId,
                    FailureReason = FailureReason,
                    MetadataJson = JsonSerializer.Serialize(Metadata, Json.Options),
                    PreviousMediaIds = _previousMediaIds.ToArray(),
                    CreatedAt = CreatedAt,
                    UpdatedAt = now,
                };
            }
        }

        internal TransferHistoryEntry AttachMedia(string mediaId, PresignedUpload upload, DateTimeOffset now, string @event)
        {
            lock (_gate)
            {
                if (MediaId != null && !string.Equals(MediaId, mediaId, StringComparison.Ordinal))
                {
                    _previousMediaIds.Add(MediaId);
                }

                MediaId = mediaId;
                Upload = upload;
                Status = TransferStatus.Created;
                FailureReason = null;
                UploadedAt = null;
                return Add(new TransferHistoryEntry(now, @event, mediaId, "upload URL expires " + upload.ExpiresAt.ToString("u") + (upload.ExpiryFromUrl ? string.Empty : " (assumed)")));
            }
        }

        internal TransferHistoryEntry MarkUploaded(DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Uploaded;
                UploadedAt = now;
                return Add(new TransferHistoryEntry(now, "uploaded", MediaId, Length + " bytes"));
            }
        }

        internal TransferHistoryEntry MarkScanned(bool valid, string? mediaType, string? reason, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = valid ? TransferStatus.Valid : TransferStatus.Invalid;
                ScannedAt = now;
                DetectedMediaType = mediaType;
                FailureReason = valid ? null : reason;
                return Add(new TransferHistoryEntry(now, valid ? "valid" : "invalid", MediaId, reason));
            }
        }

        internal TransferHistoryEntry MarkDelivered(string? messageId, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Delivered;
                DeliveredAt = now;
                MessageId = messageId;
                return Add(new TransferHistoryEntry(now, "delivered", MediaId, messageId is null ? null : "message " + messageId));
            }
        }

        internal TransferHistoryEntry MarkFailed(string reason, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Failed;
                FailureReason = reason;
                return Add(new TransferHistoryEntry(now, "failed", MediaId, reason));
            }
        }

        public override string ToString() => $"{FileName} ({TransferId}) {Status}";

        private TransferHistoryEntry Add(TransferHistoryEntry entry)
        {
            _history.Add(entry);
            return entry;
        }

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
