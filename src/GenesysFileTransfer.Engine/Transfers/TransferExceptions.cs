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
}
