using System;
using System.Net;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>The file broke local rules; nothing was sent. <see cref="Report"/> lists every failing field.</summary>
    public sealed class FileValidationException : Exception
    {
        public FileValidationException(FileValidationReport report)
            : base($"'{report.FileName}' was not sent: {report.Summary}")
        {
            Report = report;
        }

        public FileValidationReport Report { get; }
    }

    /// <summary>The storage host refused the upload (S3-style error code such as SignatureDoesNotMatch, BadDigest).</summary>
    public class UploadRejectedException : Exception
    {
        public UploadRejectedException(HttpStatusCode statusCode, string? storageErrorCode, string message)
            : base(message)
        {
            StatusCode = statusCode;
            StorageErrorCode = storageErrorCode;
        }

        public HttpStatusCode StatusCode { get; }
        public string? StorageErrorCode { get; }
    }

    /// <summary>The presigned URL had expired when the bytes arrived; a renewal gives a fresh one.</summary>
    public sealed class UploadUrlExpiredException : UploadRejectedException
    {
        public UploadUrlExpiredException(string message)
            : base(HttpStatusCode.Forbidden, "AccessDenied", message)
        {
        }
    }

    /// <summary>Genesys did not finish validating the media within the wait limit.</summary>
    public sealed class ScanTimeoutException : TimeoutException
    {
        public ScanTimeoutException(string message)
            : base(message)
        {
        }
    }

    /// <summary>The operation does not fit the transfer's state (e.g. delivering media Genesys marked invalid).</summary>
    public sealed class TransferStateException : InvalidOperationException
    {
        public TransferStateException(string message)
            : base(message)
        {
        }
    }

    /// <summary>Another live process holds the transfer's lease and did not finish within the wait limit.</summary>
    public sealed class TransferBusyException : InvalidOperationException
    {
        public TransferBusyException(Guid transferId, string owner, string message)
            : base(message)
        {
            TransferId = transferId;
            Owner = owner;
        }

        public Guid TransferId { get; }

        /// <summary>The lease holder as the journal names it (host/pid/connection).</summary>
        public string Owner { get; }
    }

    /// <summary>
    /// The send request left but no answer came, and reading the conversation back did not settle it: whether Genesys
    /// holds the message is unknown. Nothing is sent again until the conversation has been read and holds no message
    /// with this media.
    /// </summary>
    public sealed class DeliveryOutcomeUnknownException : Exception
    {
        public DeliveryOutcomeUnknownException(Guid transferId, string message, Exception? inner)
            : base(message, inner)
        {
            TransferId = transferId;
        }

        public Guid TransferId { get; }
    }

    /// <summary>Another process moved the transfer while this one worked on it; this one stopped without acting.</summary>
    public sealed class TransferConflictException : InvalidOperationException
    {
        public TransferConflictException(Guid transferId, string message)
            : base(message)
        {
            TransferId = transferId;
        }

        public Guid TransferId { get; }
    }

    /// <summary>Genesys no longer knows the transfer's media (404); the transfer is Failed and the next send opens a new media upload.</summary>
    public sealed class MediaLostException : Exception
    {
        public MediaLostException(Guid transferId, string mediaId, string message, Exception? inner)
            : base(message, inner)
        {
            TransferId = transferId;
            MediaId = mediaId;
        }

        public Guid TransferId { get; }
        public string MediaId { get; }
    }
}
