using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// A document-management store. Every store is idempotent per <see cref="DocumentToStore.DocumentKey"/>: storing
    /// a key that is already there with the same SHA-256 changes nothing and returns the existing location, and with a
    /// different SHA-256 fails with <see cref="DocumentConflictException"/>. That is what makes archiving exactly-once
    /// although the outbox delivers each item at least once (a retry after a crash, an outage or a lost lease).
    /// </summary>
    public interface IDocumentSink : IDisposable
    {
        /// <summary>Where documents go, for messages and the audit log (a folder, an S3 endpoint); never a secret.</summary>
        string Description { get; }

        /// <summary>
        /// Stores the document unless its key is already stored. Throws <see cref="DocumentConflictException"/>,
        /// <see cref="DocumentSinkUnavailableException"/> (worth retrying later), <see cref="DocumentSinkException"/>
        /// (refused: configuration or permissions) or <see cref="DocumentIntegrityException"/> (the bytes read do not
        /// match <see cref="DocumentToStore.Sha256"/>).
        /// </summary>
        Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken);
    }

    /// <summary>One document to store: its deterministic key, its verified bytes and its metadata.</summary>
    public sealed class DocumentToStore
    {
        private readonly Func<Stream> _open;

        public DocumentToStore(string documentKey, string fileName, string sha256, long length, Func<Stream> openContent, DocumentMetadata metadata)
            : this(documentKey, fileName, sha256, length, openContent, metadata, md5: null)
        {
        }

        /// <param name="md5">Lower-case hex MD5 of the content, computed with <paramref name="sha256"/>; null when unknown (a sink that needs it reads the content once more).</param>
        public DocumentToStore(string documentKey, string fileName, string sha256, long length, Func<Stream> openContent, DocumentMetadata metadata, string? md5)
        {
            if (string.IsNullOrWhiteSpace(documentKey))
            {
                throw new ArgumentException("The document key must not be empty.", nameof(documentKey));
            }

            if (string.IsNullOrWhiteSpace(sha256) || sha256.Length != 64)
            {
                throw new ArgumentException("The SHA-256 must be 64 hexadecimal digits.", nameof(sha256));
            }

            if (md5 != null && (md5.Length != 32 || !IsHex(md5)))
            {
                throw new ArgumentException("The MD5 must be 32 hexadecimal digits.", nameof(md5));
            }

            DocumentKey = documentKey;
            FileName = string.IsNullOrEmpty(fileName) ? "document" : fileName;
            Md5 = md5?.ToLowerInvariant();
            Sha256 = sha256.ToLowerInvariant();
            Length = length;
            _open = openContent ?? throw new ArgumentNullException(nameof(openContent));
            Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        }

        /// <summary>Deterministic per transfer or attachment (<c>transfer/{id}</c>, <c>attachment/{integration}/{id}</c>).</summary>
        public string DocumentKey { get; }

        /// <summary>The name as received; sinks store a sanitized form (<see cref="DocumentPaths.SafeFileName"/>).</summary>
        public string FileName { get; }

        /// <summary>Lower-case hex SHA-256 of the content, already verified by the caller.</summary>
        public string Sha256 { get; }

        public long Length { get; }

        /// <summary>
        /// Lower-case hex MD5 of the same verified bytes, or null when the caller did not compute it. An object store's
        /// ETag for a single-part upload is the MD5 of what it stored, so this lets a sink prove what the store holds.
        /// </summary>
        public string? Md5 { get; }

        public DocumentMetadata Metadata { get; }

        /// <summary>A fresh read stream over the content; the sink disposes it. May be called more than once (retries).</summary>
        public Stream OpenContent() => _open();

        /// <summary>A document whose bytes are in a local file.</summary>
        public static DocumentToStore FromFile(string documentKey, string fileName, string sha256, string path, DocumentMetadata metadata)
            => FromFile(documentKey, fileName, sha256, path, metadata, md5: null);

        /// <summary>A document whose bytes are in a local file, with the MD5 computed when the file was staged.</summary>
        public static DocumentToStore FromFile(string documentKey, string fileName, string sha256, string path, DocumentMetadata metadata, string? md5)
        {
            long length = new FileInfo(path).Length;
            return new DocumentToStore(
                documentKey,
                fileName,
                sha256,
                length,
                () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan),
                metadata,
                md5);
        }

        private static bool IsHex(string value)
        {
            foreach (char c in value)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Where a document is stored, and whether this call created (or repaired) it.</summary>
    public sealed class StoredDocument
    {
        public StoredDocument(string documentKey, string location, string sha256, long length, bool created)
            : this(documentKey, location, sha256, length, created, repaired: false)
        {
        }

        public StoredDocument(string documentKey, string location, string sha256, long length, bool created, bool repaired)
        {
            DocumentKey = documentKey;
            Location = location;
            Sha256 = sha256;
            Length = length;
            Created = created;
            Repaired = repaired;
        }

        public string DocumentKey { get; }

        /// <summary>A full path for a folder sink, <c>s3://bucket/key</c> for an object store.</summary>
        public string Location { get; }

        public string Sha256 { get; }
        public long Length { get; }

        /// <summary>False when the key was already stored with the same SHA-256 and nothing was written.</summary>
        public bool Created { get; }

        /// <summary>
        /// True when the key held an object recorded with this document's SHA-256 but other bytes (an upload damaged in
        /// transit, or stored with its transfer framing by an earlier version), and this call rewrote it with the
        /// verified bytes. <see cref="Created"/> is true as well, since something was written.
        /// </summary>
        public bool Repaired { get; }
    }
}
