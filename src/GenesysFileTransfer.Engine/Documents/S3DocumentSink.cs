using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

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
    /// Archives into an S3 bucket: the object key is deterministic (<see cref="DocumentPaths.RelativePath"/>), the
    /// metadata travels as <c>x-amz-meta-*</c>, and the object carries an <c>x-amz-checksum-sha256</c> so the store
    /// itself refuses bytes that differ from the verified ones. Idempotency: a HEAD first (same SHA-256: nothing to
    /// do; other SHA-256: conflict), then a PUT with <c>If-None-Match: *</c>, so two workers racing on one key still
    /// create one object (a store that ignores the condition still gets the HEAD).
    /// </summary>
    public sealed class S3DocumentSink : IDocumentSink
    {
        private const string Sha256MetadataKey = "sha256";
        private readonly AmazonS3Client _client;
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
                ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, Plain(options.SecretAccessKey)), config)
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

            StoredDocument? existing = await FindAsync(document, bucket, key, location, cancellationToken).ConfigureAwait(false);
            if (existing != null)
            {
                return existing;
            }

            var request = new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = document.OpenContent(),
                AutoCloseStream = true,
                ContentType = string.IsNullOrEmpty(document.Metadata.ContentType) ? "application/octet-stream" : document.Metadata.ContentType,
                IfNoneMatch = "*",
                ChecksumSHA256 = Convert.ToBase64String(FromHex(document.Sha256)),
            };
            foreach (KeyValuePair<string, string> pair in document.Metadata.ToObjectMetadata())
            {
                request.Metadata[pair.Key] = pair.Value;
            }

            try
            {
                await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed || ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone created the key since our HEAD (or is creating it): the stored object decides.
                return await FindAsync(document, bucket, key, location, cancellationToken).ConfigureAwait(false)
                    ?? throw new DocumentSinkUnavailableException($"'{location}' was being written by another worker; it will be checked again.", ex);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "stored");
            }
            finally
            {
                request.InputStream?.Dispose();
            }

            return new StoredDocument(document.DocumentKey, location, document.Sha256, document.Length, created: true);
        }

        public void Dispose() => _client.Dispose();

        private async Task<StoredDocument?> FindAsync(DocumentToStore document, string bucket, string key, string location, CancellationToken cancellationToken)
        {
            GetObjectMetadataResponse head;
            try
            {
                head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
            {
                // A HEAD has no body, so a missing bucket also arrives as a bare 404: the PUT that follows tells them apart.
                return null;
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

            return new StoredDocument(document.DocumentKey, location, document.Sha256, head.ContentLength, created: false);
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
        /// never anything from the credentials.
        /// </summary>
        private static DocumentArchiveException Translate(Exception ex, string location, string verb)
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

            return new DocumentSinkException("DocumentSinkFailed", $"'{location}' could not be {verb}: {ex.Message}", isTransient: false, ex);
        }

        private static byte[] FromHex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
            }

            return bytes;
        }

        /// <summary>The secret as the SDK's credentials object needs it; only at this boundary, never stored elsewhere.</summary>
        private static string Plain(SecureString secret)
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }
    }
}
