using System;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// A document could not be archived. <see cref="ErrorCode"/> is a stable short code for the audit log;
    /// <see cref="IsTransient"/> says whether the same attempt may succeed later without anyone changing anything.
    /// Every archive failure is retried from the outbox with backoff either way: nothing is dropped.
    /// </summary>
    public class DocumentArchiveException : Exception
    {
        public DocumentArchiveException(string errorCode, string message, bool isTransient, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorCode = errorCode;
            IsTransient = isTransient;
        }

        public string ErrorCode { get; }
        public bool IsTransient { get; }
    }

    /// <summary>The key is already stored with different content: a second, different document under one key.</summary>
    public sealed class DocumentConflictException : DocumentArchiveException
    {
        public DocumentConflictException(string documentKey, string location, string storedSha256, string newSha256)
            : base(
                "DocumentConflict",
                $"Document '{documentKey}' is already stored at '{location}' with SHA-256 {storedSha256}, not {newSha256}; it was left as it is. Remove or move the stored copy if the new content is the right one.",
                isTransient: false)
        {
            DocumentKey = documentKey;
            Location = location;
            StoredSha256 = storedSha256;
            NewSha256 = newSha256;
        }

        public string DocumentKey { get; }
        public string Location { get; }
        public string StoredSha256 { get; }
        public string NewSha256 { get; }
    }

    /// <summary>The bytes fetched do not match the SHA-256 or length the outbox recorded.</summary>
    public sealed class DocumentIntegrityException : DocumentArchiveException
    {
        public DocumentIntegrityException(string documentKey, string message)
            : base("DocumentIntegrityFailed", $"Document '{documentKey}': {message}", isTransient: false)
        {
            DocumentKey = documentKey;
        }

        public string DocumentKey { get; }
    }

    /// <summary>The document's bytes could not be fetched (a missing local file, an unreachable or refusing URL).</summary>
    public sealed class DocumentSourceException : DocumentArchiveException
    {
        public DocumentSourceException(string errorCode, string message, bool isTransient, bool notFound = false, Exception? innerException = null)
            : base(errorCode, message, isTransient, innerException)
        {
            NotFound = notFound;
        }

        /// <summary>The source said it has no such document (a deleted file, a 404).</summary>
        public bool NotFound { get; }
    }

    /// <summary>The document store refused the document (permissions, a missing bucket, no bucket for the reference).</summary>
    public class DocumentSinkException : DocumentArchiveException
    {
        public DocumentSinkException(string errorCode, string message, bool isTransient = false, Exception? innerException = null)
            : base(errorCode, message, isTransient, innerException)
        {
        }
    }

    /// <summary>The document store is down or unreachable; the document waits in the outbox for a later attempt.</summary>
    public sealed class DocumentSinkUnavailableException : DocumentSinkException
    {
        public DocumentSinkUnavailableException(string message, Exception? innerException = null, string errorCode = "DocumentSinkUnavailable")
            : base(errorCode, message, isTransient: true, innerException)
        {
        }
    }

    /// <summary>The malware scanner found malware in the document; it was quarantined (outbox state Quarantined), not archived.</summary>
    public sealed class DocumentQuarantinedException : DocumentArchiveException
    {
        public DocumentQuarantinedException(string documentKey, Scanning.ScanVerdict verdict, string message)
            : base("FileInfected", message, isTransient: false)
        {
            DocumentKey = documentKey;
            Verdict = verdict;
        }

        public string DocumentKey { get; }
        public Scanning.ScanVerdict Verdict { get; }
    }
}
