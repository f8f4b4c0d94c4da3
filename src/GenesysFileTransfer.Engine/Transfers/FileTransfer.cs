using System;
using System.Collections.Generic;
using System.Linq;
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

        internal void AttachMedia(string mediaId, PresignedUpload upload, DateTimeOffset now, string @event)
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
                _history.Add(new TransferHistoryEntry(now, @event, mediaId, "upload URL expires " + upload.ExpiresAt.ToString("u") + (upload.ExpiryFromUrl ? string.Empty : " (assumed)")));
            }
        }

        internal void MarkUploaded(DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Uploaded;
                UploadedAt = now;
                _history.Add(new TransferHistoryEntry(now, "uploaded", MediaId, Length + " bytes"));
            }
        }

        internal void MarkScanned(bool valid, string? mediaType, string? reason, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = valid ? TransferStatus.Valid : TransferStatus.Invalid;
                ScannedAt = now;
                DetectedMediaType = mediaType;
                FailureReason = valid ? null : reason;
                _history.Add(new TransferHistoryEntry(now, valid ? "valid" : "invalid", MediaId, reason));
            }
        }

        internal void MarkDelivered(string? messageId, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Delivered;
                DeliveredAt = now;
                MessageId = messageId;
                _history.Add(new TransferHistoryEntry(now, "delivered", MediaId, messageId is null ? null : "message " + messageId));
            }
        }

        internal void MarkFailed(string reason, DateTimeOffset now)
        {
            lock (_gate)
            {
                Status = TransferStatus.Failed;
                FailureReason = reason;
                _history.Add(new TransferHistoryEntry(now, "failed", MediaId, reason));
            }
        }

        public override string ToString() => $"{FileName} ({TransferId}) {Status}";
    }
}
