using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

using GenesysFileTransfer.Engine.Secrets;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>How to reach an S3 or S3-compatible object store and which bucket each document goes to.</summary>
    public sealed class S3DocumentSinkOptions
    {
        /// <summary>
        /// An S3-compatible endpoint (MinIO, Ceph, the emulator's <c>/objectstore</c>), addressed path-style: requests
        /// go to <c>{ServiceUrl}/{bucket}/{key}</c>, a path prefix included. Null for AWS itself, by <see cref="Region"/>.
        /// Plain http is accepted for loopback hosts only.
        /// </summary>
        public Uri? ServiceUrl { get; set; }

        /// <summary>The AWS region (e.g. eu-west-1); with a <see cref="ServiceUrl"/> only the signing region (default us-east-1).</summary>
        public string? Region { get; set; }

        /// <summary>Path-style addressing; on by default with a <see cref="ServiceUrl"/>, since S3-compatible stores rarely have per-bucket host names.</summary>
        public bool? ForcePathStyle { get; set; }

        /// <summary>The bucket for documents whose storage bucket reference has no entry in <see cref="BucketMap"/>.</summary>
        public string? DefaultBucket { get; set; }

        /// <summary>Storage bucket reference (the transfer metadata's UUID) to bucket name.</summary>
        public IDictionary<Guid, string> BucketMap { get; } = new Dictionary<Guid, string>();

        /// <summary>With <see cref="SecretAccessKey"/>: static credentials. Without: the SDK's default chain (environment, profile, instance role).</summary>
        public string? AccessKeyId { get; set; }

        public SecureString? SecretAccessKey { get; set; }

        /// <summary>Prepended to every object key, e.g. <c>genesys/</c>.</summary>
        public string? KeyPrefix { get; set; }

        /// <summary>The SDK's own retries per request; the outbox retries later beyond that.</summary>
        public int MaxErrorRetry { get; set; } = 2;

        /// <summary>One HTTP request's time limit.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
    }

    /// <summary>
    /// Archives into an S3 bucket: the object key is deterministic (<see cref="DocumentPaths.RelativePath"/>) and the
    /// metadata travels as <c>x-amz-meta-*</c>.
    /// <para>
    /// A document counts as stored only when the store proves it holds the verified bytes, never because a PUT
    /// answered 200: after every PUT a HEAD must show the document's length and an ETag equal to the MD5 of the
    /// verified bytes (the ETag of a single-part upload is the MD5 the store computed over what it kept). When the
    /// ETag is not that MD5 (a multipart-style <c>-N</c> ETag, an encrypting store) the object is read back and its
    /// SHA-256 compared. Stored bytes that differ right after a PUT are a damaged upload: a transient
    /// <c>DocumentUploadDamaged</c> failure, never an archived document.
    /// </para>
    /// <para>
    /// Idempotency: a HEAD first. An object is never trusted for its own <c>x-amz-meta-sha256</c>: with the same
    /// SHA-256 recorded it must also hold the same length and bytes (nothing to do); with the same SHA-256 but other
    /// bytes (an upload damaged in transit, or one an earlier version stored with its aws-chunked framing) it is
    /// rewritten with <c>If-Match</c> its damaged ETag, so a racing writer is not overwritten, verified again and
    /// reported as <see cref="StoredDocument.Repaired"/>; with another SHA-256 recorded it is a
    /// <see cref="DocumentConflictException"/>. A missing key is written with <c>If-None-Match: *</c>, so two workers
    /// racing on one key still create one object (a store that ignores the condition still gets the HEAD).
    /// </para>
    /// <para>
    /// Transfer: to AWS itself, the SDK's flexible checksums plus <c>x-amz-checksum-sha256</c> and <c>Content-MD5</c>,
    /// which S3 checks. To a <see cref="S3DocumentSinkOptions.ServiceUrl"/>, one plain body with the same two headers
    /// and no <c>aws-chunked</c> streaming: several S3-compatible stores do not decode that framing and would keep it
    /// as the object's bytes.
    /// </para>
    /// </summary>
    public sealed class S3DocumentSink : IDocumentSink
    {
        private const string Sha256MetadataKey = "sha256";
        private readonly AmazonS3Client _client;
        private readonly bool _plainBody;
        private readonly S3DocumentSinkOptions _options;
        private readonly string _keyPrefix;
        private readonly Dictionary<Guid, string> _bucketMap;

        public S3DocumentSink(S3DocumentSinkOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _bucketMap = new Dictionary<Guid, string>(options.BucketMap);
            if (string.IsNullOrWhiteSpace(options.DefaultBucket) && _bucketMap.Count == 0)
            {
                throw new ArgumentException("Name a default bucket, a bucket map (storage bucket reference to bucket), or both.", nameof(options));
            }

            foreach (string bucket in Buckets())
            {
                if (string.IsNullOrWhiteSpace(bucket))
                {
                    throw new ArgumentException("A bucket name in the bucket map is empty.", nameof(options));
                }
            }

            _keyPrefix = string.IsNullOrEmpty(options.KeyPrefix) ? string.Empty : options.KeyPrefix!.Trim('/') + "/";
            var config = new AmazonS3Config
            {
                MaxErrorRetry = Math.Max(0, options.MaxErrorRetry),
                Timeout = options.RequestTimeout,
            };
            if (options.ServiceUrl != null)
            {
                Uri url = options.ServiceUrl;
                if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                {
                    throw new ArgumentException($"The S3 service URL '{url}' must be an absolute http or https URL.", nameof(options));
                }

                if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
                {
                    throw new ArgumentException($"The S3 service URL '{url}' is plain http to a host that is not this machine; use https.", nameof(options));
                }

                config.ServiceURL = url.AbsoluteUri.TrimEnd('/');
                config.ForcePathStyle = options.ForcePathStyle ?? true;
                config.AuthenticationRegion = string.IsNullOrEmpty(options.Region) ? "us-east-1" : options.Region;

                // By default AWSSDK 4 adds a CRC trailer to every PUT, which forces aws-chunked streaming; a store that
                // does not decode that framing keeps it as the object. Checksums go as plain headers instead.
                config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
                _plainBody = true;
                Description = $"S3 {Audit.Redaction.StripQuery(url)}";
            }
            else
            {
                if (!string.IsNullOrEmpty(options.Region))
                {
                    config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
                }

                config.ForcePathStyle = options.ForcePathStyle ?? false;
                Description = "S3" + (string.IsNullOrEmpty(options.Region) ? string.Empty : " " + options.Region);
            }

            Description += string.IsNullOrEmpty(options.DefaultBucket) ? string.Empty : $" (default bucket {options.DefaultBucket})";
            _client = options.AccessKeyId != null && options.SecretAccessKey != null
                ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, SecretText.Plain(options.SecretAccessKey)), config)
                : new AmazonS3Client(config);
        }

        public string Description { get; }

        /// <summary>The bucket a document with this storage bucket reference goes to; throws when there is none.</summary>
        public string BucketFor(string? storageBucketReference)
        {
            if (Guid.TryParse(storageBucketReference, out Guid reference) && _bucketMap.TryGetValue(reference, out string? mapped))
            {
                return mapped;
            }

            if (!string.IsNullOrWhiteSpace(_options.DefaultBucket))
            {
                return _options.DefaultBucket!;
            }

            throw new DocumentSinkException(
                "DocumentBucketUnmapped",
                $"No bucket for storage bucket reference '{storageBucketReference ?? "(none)"}': add it to the bucket map or name a default bucket.");
        }

        /// <summary>The object key of a document: the prefix, then its deterministic relative path.</summary>
        public string KeyFor(string documentKey, string fileName) => _keyPrefix + DocumentPaths.RelativePath(documentKey, fileName);

        public async Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken)
        {
            if (document is null)
            {
                throw new ArgumentNullException(nameof(document));
            }

            string bucket = BucketFor(document.Metadata.StorageBucketReference);
            string key = KeyFor(document.DocumentKey, document.FileName);
            string location = $"s3://{bucket}/{key}";
            string md5 = document.Md5 ?? await DocumentHashing.ContentMd5Async(document, cancellationToken).ConfigureAwait(false);

            ObjectState state = await InspectAsync(document, md5, bucket, key, location, cancellationToken).ConfigureAwait(false);
            if (state.HoldsDocument)
            {
                return new StoredDocument(document.DocumentKey, location, document.Sha256, state.Length, created: false);
            }

            // Present but not holding the document: recorded with its SHA-256 yet other bytes. Replace exactly that
            // object; a writer that changed it since our HEAD makes the condition fail instead of being overwritten.
            string? damagedETag = state.Exists ? state.ETag : null;
            try
            {
                await PutAsync(document, md5, bucket, key, damagedETag, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed || ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone created or rewrote the key since our HEAD (or is doing so): the stored object decides.
                ObjectState now = await InspectAsync(document, md5, bucket, key, location, cancellationToken).ConfigureAwait(false);
                if (now.HoldsDocument)
                {
                    return new StoredDocument(document.DocumentKey, location, document.Sha256, now.Length, created: false);
                }

                throw new DocumentSinkUnavailableException($"'{location}' was being written by another worker; it will be checked again.", ex);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "stored");
            }

            ObjectState written = await InspectAsync(document, md5, bucket, key, location, cancellationToken).ConfigureAwait(false);
            if (!written.Exists)
            {
                throw new DocumentSinkUnavailableException($"'{location}' was accepted by the store but a HEAD right after does not find it; it will be checked again.");
            }

            if (!written.HoldsDocument)
            {
                throw new DocumentSinkException(
                    "DocumentUploadDamaged",
                    $"'{location}' holds {written.Length} bytes with ETag {written.ETag} after the upload, not the {document.Length} bytes with MD5 {md5} that were sent; the store kept other bytes than it received, and the upload will be repeated.",
                    isTransient: true);
            }

            return new StoredDocument(document.DocumentKey, location, document.Sha256, written.Length, created: true, repaired: damagedETag != null);
        }

        public void Dispose() => _client.Dispose();

        private async Task PutAsync(DocumentToStore document, string md5, string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
        {
            var request = new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = document.OpenContent(),
                AutoCloseStream = true,
                ContentType = string.IsNullOrEmpty(document.Metadata.ContentType) ? "application/octet-stream" : document.Metadata.ContentType,
                ChecksumSHA256 = Convert.ToBase64String(DocumentHashing.FromHex(document.Sha256)),
                MD5Digest = Convert.ToBase64String(DocumentHashing.FromHex(md5)),
            };
            if (ifMatch != null)
            {
                request.IfMatch = ifMatch;
            }
            else
            {
                request.IfNoneMatch = "*";
            }

            if (_plainBody)
            {
                // One plain body, its SHA-256 signed as x-amz-content-sha256: nothing a store has to unframe.
                request.UseChunkEncoding = false;
            }

            foreach (KeyValuePair<string, string> pair in document.Metadata.ToObjectMetadata())
            {
                request.Metadata[pair.Key] = pair.Value;
            }

            try
            {
                await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                request.InputStream?.Dispose();
            }
        }

        /// <summary>
        /// What the key holds, judged by what the store reports: a conflict (another SHA-256 recorded) throws; the same
        /// SHA-256 recorded holds the document only when the store's length and ETag-MD5 (or the bytes read back) agree.
        /// </summary>
        private async Task<ObjectState> InspectAsync(DocumentToStore document, string md5, string bucket, string key, string location, CancellationToken cancellationToken)
        {
            GetObjectMetadataResponse head;
            try
            {
                head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
            {
                // A HEAD has no body, so a missing bucket also arrives as a bare 404: the PUT that follows tells them apart.
                return ObjectState.Missing;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "checked");
            }

            string? stored = head.Metadata[Sha256MetadataKey];
            if (!string.Equals(stored, document.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentConflictException(document.DocumentKey, location, string.IsNullOrEmpty(stored) ? "(none recorded)" : stored!, document.Sha256);
            }

            string etag = head.ETag ?? string.Empty;
            bool holds;
            if (head.ContentLength != document.Length)
            {
                holds = false;
            }
            else if (string.Equals(PlainMd5(etag), md5, StringComparison.OrdinalIgnoreCase))
            {
                holds = true;
            }
            else
            {
                // Not a plain MD5 (multipart "-N", an encrypting store) or another MD5: only the bytes can tell.
                holds = await ReadBackMatchesAsync(document, bucket, key, location, cancellationToken).ConfigureAwait(false);
            }

            return new ObjectState(exists: true, holdsDocument: holds, head.ContentLength, etag);
        }

        private async Task<bool> ReadBackMatchesAsync(DocumentToStore document, string bucket, string key, string location, CancellationToken cancellationToken)
        {
            if (document.Length == 0)
            {
                return true; // the HEAD showed no bytes, and there are none to compare
            }

            // The whole object as a range: the SDK would otherwise check an MD5-looking ETag against the body itself and
            // throw, where an encrypting store's ETag is simply no MD5 of the bytes. The hash below is the judge.
            var request = new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(0, document.Length - 1) };
            try
            {
                using (GetObjectResponse response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false))
                using (Stream body = response.ResponseStream)
                {
                    var (sha256, _, length) = await DocumentHashing.HashAsync(body, md5: false, cancellationToken).ConfigureAwait(false);
                    return length == document.Length && string.Equals(sha256, document.Sha256, StringComparison.OrdinalIgnoreCase);
                }
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode == "NoSuchKey")
            {
                return false;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "read back");
            }
        }

        /// <summary>The hex MD5 in an ETag such as <c>"9e107d9d372bb6826bd81d3542a419d6"</c>; null for a multipart-style or other ETag.</summary>
        internal static string? PlainMd5(string? etag)
        {
            if (string.IsNullOrEmpty(etag))
            {
                return null;
            }

            string value = etag!.Trim();
            if (value.StartsWith("W/", StringComparison.Ordinal))
            {
                value = value.Substring(2);
            }

            value = value.Trim('"');
            if (value.Length != 32)
            {
                return null;
            }

            foreach (char c in value)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return null;
                }
            }

            return value.ToLowerInvariant();
        }

        /// <summary>What a HEAD found at a key.</summary>
        private readonly struct ObjectState
        {
            public static readonly ObjectState Missing = new ObjectState(exists: false, holdsDocument: false, 0, string.Empty);

            public ObjectState(bool exists, bool holdsDocument, long length, string etag)
            {
                Exists = exists;
                HoldsDocument = holdsDocument;
                Length = length;
                ETag = etag;
            }

            public bool Exists { get; }

            /// <summary>The store shows the document's length and MD5 (or its bytes hash to its SHA-256).</summary>
            public bool HoldsDocument { get; }

            public long Length { get; }
            public string ETag { get; }
        }

        private IEnumerable<string> Buckets()
        {
            foreach (string bucket in _bucketMap.Values)
            {
                yield return bucket;
            }
        }

        /// <summary>
        /// Sorts SDK failures into "the store is down, try later" and "the store refuses this", with S3's error code,
        /// never anything from the credentials. A failure of no known kind (the store answered, the SDK failed anyway)
        /// is DocumentArchiveFailed, the archive's one id for what nobody foresaw; the document stays in the outbox.
        /// </summary>
        internal static DocumentArchiveException Translate(Exception ex, string location, string verb)
        {
            if (ex is AmazonS3Exception s3 && s3.StatusCode != 0)
            {
                int status = (int)s3.StatusCode;
                string code = string.IsNullOrEmpty(s3.ErrorCode) ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : s3.ErrorCode;
                string message = $"'{location}' could not be {verb}: HTTP {status} {code}: {s3.Message}";
                if (status >= 500 || status == 429 || status == 408 || code == "SlowDown" || code == "RequestTimeout")
                {
                    return new DocumentSinkUnavailableException(message, ex);
                }

                switch (code)
                {
                    case "NoSuchBucket":
                        return new DocumentSinkException("DocumentBucketNotFound", message, isTransient: false, ex);
                    case "BadDigest":
                    case "InvalidDigest":
                    case "XAmzContentSHA256Mismatch":
                    case "IncompleteBody":
                        // The store received other bytes than were sent: a damaged connection, worth another try.
                        return new DocumentSinkException("DocumentUploadDamaged", message, isTransient: true, ex);
                }

                return status == 401 || status == 403
                    ? new DocumentSinkException("DocumentSinkAccessDenied", message, isTransient: false, ex)
                    : new DocumentSinkException("DocumentSinkRefused", message, isTransient: false, ex);
            }

            for (Exception? inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is HttpRequestException || inner is IOException || inner is SocketException || inner is WebException
                    || inner is TimeoutException || inner is OperationCanceledException)
                {
                    return new DocumentSinkUnavailableException($"'{location}' could not be {verb}: the store did not answer ({inner.Message}).", ex);
                }
            }

            if (ex is AmazonClientException)
            {
                // No credentials found, a bad endpoint: configuration, which no retry fixes by itself.
                return new DocumentSinkException("DocumentSinkConfiguration", $"'{location}' could not be {verb}: {ex.Message}", isTransient: false, ex);
            }

            return new DocumentArchiveException("DocumentArchiveFailed", $"'{location}' could not be {verb}: {ex.Message}", isTransient: false, ex);
        }

    }
}
