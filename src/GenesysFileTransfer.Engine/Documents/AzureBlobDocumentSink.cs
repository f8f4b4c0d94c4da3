using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

using GenesysFileTransfer.Engine.Secrets;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// Archives into Azure Blob Storage: one block blob per document, named deterministically
    /// (<see cref="DocumentPaths.RelativePath"/>), with the metadata as blob metadata and the container chosen by the
    /// storage bucket reference.
    /// <para>
    /// A document counts as stored only when the service shows it holds the verified bytes: every upload is one
    /// <c>Put Blob</c> with a <c>Content-MD5</c> that the service checks against what it received (<c>Md5Mismatch</c>
    /// otherwise); the MD5 the service reports for the new blob, and the blob's properties afterwards, must show the
    /// document's length and the staged document's MD5 (<see cref="DocumentToStore.Md5"/>). Other bytes right after an
    /// upload are a transient <c>DocumentUploadDamaged</c> failure, repaired by the next attempt, never archived. A blob
    /// without a Content-MD5 (written in blocks by another tool) or with another one is read back and its SHA-256
    /// compared.
    /// </para>
    /// <para>
    /// Idempotency: the blob's properties first. A blob recording the same SHA-256 (metadata <c>sha256</c>) and holding
    /// the same bytes is left as it is; recording the same SHA-256 but holding other bytes, it is rewritten with
    /// <c>If-Match</c> its ETag (so a writer that changed it meanwhile is not overwritten), verified again, and reported
    /// as <see cref="StoredDocument.Repaired"/>; recording another SHA-256, or none, it is a
    /// <see cref="DocumentConflictException"/> and left alone. A missing blob is created with <c>If-None-Match: *</c>, so
    /// two workers racing on one name make one blob: the loser's <c>409 BlobAlreadyExists</c> sends it back to the
    /// properties, which decide.
    /// </para>
    /// <para>
    /// Nothing secret leaves the sink: <see cref="Description"/> and locations are URLs without their query (a SAS is a
    /// query), and every message is scrubbed of signatures, keys and connection-string secrets.
    /// </para>
    /// </summary>
    public sealed class AzureBlobDocumentSink : IDocumentSink
    {
        /// <summary>The metadata name holding the document's SHA-256, as <see cref="DocumentMetadata.ToObjectMetadata"/> names it.</summary>
        private const string Sha256MetadataName = "sha256";

        /// <summary>Above the largest document the archiver stages (256 MiB), below Put Blob's limit (5000 MiB).</summary>
        private const long SingleUploadLimit = 512L * 1024 * 1024;

        private static readonly Regex ContainerName = new Regex("^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant);

        private static readonly Regex ConnectionStringSecret = new Regex(
            @"(?<name>AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s""'<>]+",
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private readonly BlobServiceClient _service;
        private readonly AzureBlobDocumentSinkOptions _options;
        private readonly string _prefix;
        private readonly Dictionary<Guid, string> _containerMap;

        public AzureBlobDocumentSink(AzureBlobDocumentSinkOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _containerMap = new Dictionary<Guid, string>(options.ContainerMap);
            if (string.IsNullOrWhiteSpace(options.DefaultContainer) && _containerMap.Count == 0)
            {
                throw new ArgumentException("Name a default container, a container map (storage bucket reference to container), or both.", nameof(options));
            }

            var containers = new List<string>(_containerMap.Values);
            if (!string.IsNullOrWhiteSpace(options.DefaultContainer))
            {
                containers.Add(options.DefaultContainer!);
            }

            foreach (string container in containers)
            {
                if (container is null || !ContainerName.IsMatch(container))
                {
                    throw new ArgumentException(
                        $"'{container}' is not an Azure container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.",
                        nameof(options));
                }
            }

            _prefix = string.IsNullOrEmpty(options.BlobPrefix) ? string.Empty : options.BlobPrefix!.Trim('/') + "/";
            AzureBlobAuthentication authentication = options.Authentication;
            Authentication = authentication;
            var clientOptions = new BlobClientOptions();
            clientOptions.Retry.MaxRetries = Math.Max(0, options.MaxRetries);
            clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;

            if (authentication == AzureBlobAuthentication.ConnectionString)
            {
                if (options.ServiceUri != null)
                {
                    throw new ArgumentException("A connection string names its own endpoint; give either the connection string or a service URI.", nameof(options));
                }

                try
                {
                    _service = new BlobServiceClient(SecretText.Plain(options.ConnectionString!), clientOptions);
                }
                catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidOperationException)
                {
                    // The parser's message may quote the string, secrets included: say only that it is not one.
                    throw new ArgumentException("The Azure Storage connection string could not be read (expected 'DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…' or 'BlobEndpoint=…;SharedAccessSignature=…').", nameof(options));
                }

                CheckEndpoint(_service.Uri, tokenAuthentication: false);
            }
            else
            {
                Uri uri = options.ServiceUri ?? throw new ArgumentException("Name the blob service URI (https://<account>.blob.core.windows.net) or give a connection string.", nameof(options));
                bool token = authentication == AzureBlobAuthentication.CredentialChain
                    || authentication == AzureBlobAuthentication.ManagedIdentity
                    || authentication == AzureBlobAuthentication.ServicePrincipal;
                CheckEndpoint(uri, token);
                switch (authentication)
                {
                    case AzureBlobAuthentication.AccountKey:
                        string account = new BlobUriBuilder(uri).AccountName;
                        if (string.IsNullOrEmpty(account))
                        {
                            throw new ArgumentException($"The account name could not be read from '{Audit.Redaction.StripQuery(uri)}'; use https://<account>.blob.core.windows.net, or a connection string.", nameof(options));
                        }

                        _service = new BlobServiceClient(uri, new StorageSharedKeyCredential(account, SecretText.Plain(options.AccountKey!)), clientOptions);
                        break;
                    case AzureBlobAuthentication.SharedAccessSignature:
                        _service = options.SasToken != null
                            ? new BlobServiceClient(uri, new AzureSasCredential(SecretText.Plain(options.SasToken).TrimStart('?')), clientOptions)
                            : new BlobServiceClient(uri, clientOptions);
                        break;
                    default:
                        _service = new BlobServiceClient(uri, CreateTokenCredential(options, authentication), clientOptions);
                        break;
                }
            }

            Description = $"Azure Blob {Audit.Redaction.StripQuery(_service.Uri)?.TrimEnd('/')} ({Describe(authentication)})"
                + (string.IsNullOrEmpty(options.DefaultContainer) ? string.Empty : $" (default container {options.DefaultContainer})");
        }

        /// <summary>Where documents go and how the sink signs in; never a key, a SAS or a connection string.</summary>
        public string Description { get; }

        /// <summary>The way of signing in these options chose.</summary>
        public AzureBlobAuthentication Authentication { get; }

        /// <summary>The container a document with this storage bucket reference goes to; throws when there is none.</summary>
        public string ContainerFor(string? storageBucketReference)
        {
            if (Guid.TryParse(storageBucketReference, out Guid reference) && _containerMap.TryGetValue(reference, out string? mapped))
            {
                return mapped;
            }

            if (!string.IsNullOrWhiteSpace(_options.DefaultContainer))
            {
                return _options.DefaultContainer!;
            }

            throw new DocumentSinkException(
                "DocumentBucketUnmapped",
                $"No container for storage bucket reference '{storageBucketReference ?? "(none)"}': add it to the container map or name a default container.");
        }

        /// <summary>The blob name of a document: the prefix, then its deterministic relative path.</summary>
        public string BlobNameFor(string documentKey, string fileName) => _prefix + DocumentPaths.RelativePath(documentKey, fileName);

        /// <summary>
        /// Azure metadata names must be C# identifiers (letters, digits, '_'; case-insensitive): the object metadata's
        /// hyphens become underscores (<c>transfer-id</c> is <c>transfer_id</c>).
        /// </summary>
        public static IDictionary<string, string> ToBlobMetadata(DocumentMetadata metadata)
        {
            if (metadata is null)
            {
                throw new ArgumentNullException(nameof(metadata));
            }

            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, string> pair in metadata.ToObjectMetadata())
            {
                result[MetadataName(pair.Key)] = pair.Value.Trim();
            }

            return result;
        }

        /// <summary>An object-metadata name as a valid Azure metadata name.</summary>
        public static string MetadataName(string name)
        {
            var builder = new StringBuilder(name.Length + 1);
            foreach (char c in name)
            {
                builder.Append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
            }

            if (builder.Length == 0 || char.IsDigit(builder[0]))
            {
                builder.Insert(0, '_');
            }

            return builder.ToString();
        }

        public async Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken)
        {
            if (document is null)
            {
                throw new ArgumentNullException(nameof(document));
            }

            string container = ContainerFor(document.Metadata.StorageBucketReference);
            string name = BlobNameFor(document.DocumentKey, document.FileName);
            BlockBlobClient blob = _service.GetBlobContainerClient(container).GetBlockBlobClient(name);
            string location = Audit.Redaction.StripQuery(blob.Uri) ?? $"{container}/{name}";
            string md5 = document.Md5 ?? await DocumentHashing.ContentMd5Async(document, cancellationToken).ConfigureAwait(false);

            BlobState state = await InspectAsync(blob, document, md5, location, cancellationToken).ConfigureAwait(false);
            if (state.HoldsDocument)
            {
                return new StoredDocument(document.DocumentKey, location, document.Sha256, state.Length, created: false);
            }

            // Present but not holding the document: it records its SHA-256 yet has other bytes. Replace exactly that blob;
            // a writer that changed it since makes the condition fail instead of being overwritten.
            ETag? damaged = state.Exists ? state.ETag : (ETag?)null;
            BlobContentInfo uploaded;
            try
            {
                uploaded = await UploadAsync(blob, document, md5, damaged, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                // BlobAlreadyExists (If-None-Match: *) or ConditionNotMet (If-Match): someone else wrote the name since the
                // first look. The blob now there decides.
                BlobState now = await InspectAsync(blob, document, md5, location, cancellationToken).ConfigureAwait(false);
                if (now.HoldsDocument)
                {
                    return new StoredDocument(document.DocumentKey, location, document.Sha256, now.Length, created: false);
                }

                throw new DocumentSinkUnavailableException($"'{location}' was being written by another worker; it will be checked again.", ex);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is DocumentArchiveException))
            {
                throw Translate(ex, location, "stored");
            }

            string? reported = Hex(uploaded.ContentHash);
            if (reported != null && !string.Equals(reported, md5, StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentSinkException(
                    "DocumentUploadDamaged",
                    $"'{location}' was stored with Content-MD5 {reported}, not the MD5 {md5} of the {document.Length} bytes that were sent; the upload will be repeated.",
                    isTransient: true);
            }

            BlobState written = await InspectAsync(blob, document, md5, location, cancellationToken).ConfigureAwait(false);
            if (!written.Exists)
            {
                throw new DocumentSinkUnavailableException($"'{location}' was accepted by the service but its properties right after do not find it; it will be checked again.");
            }

            if (!written.HoldsDocument)
            {
                throw new DocumentSinkException(
                    "DocumentUploadDamaged",
                    $"'{location}' holds {written.Length} bytes with Content-MD5 {written.Md5 ?? "(none)"} after the upload, not the {document.Length} bytes with MD5 {md5} that were sent; the service kept other bytes than it received, and the upload will be repeated.",
                    isTransient: true);
            }

            return new StoredDocument(document.DocumentKey, location, document.Sha256, written.Length, created: true, repaired: damaged != null);
        }

        public void Dispose()
        {
            // BlobServiceClient holds no unmanaged resources; its HTTP pipeline is shared by the SDK.
        }

        private static async Task<BlobContentInfo> UploadAsync(BlockBlobClient blob, DocumentToStore document, string md5, ETag? ifMatch, CancellationToken cancellationToken)
        {
            var options = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders
                {
                    ContentType = string.IsNullOrEmpty(document.Metadata.ContentType) ? "application/octet-stream" : document.Metadata.ContentType,
                },
                Metadata = ToBlobMetadata(document.Metadata),
                Conditions = ifMatch is ETag etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },

                // Content-MD5 on the request, computed by the SDK over the bytes as they are read: the service hashes what it
                // receives and refuses a mismatch (Md5Mismatch), so nothing damaged on the wire is kept. (A precalculated
                // MD5 is refused by the SDK for uploads it might split; the comparison with the verified MD5 follows.)
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },

                // Every document (256 MiB at most) in one Put Blob: the blob appears whole or not at all, and the
                // Content-MD5 the service keeps is the MD5 of exactly what it stored.
                TransferOptions = new StorageTransferOptions { InitialTransferSize = SingleUploadLimit, MaximumConcurrency = 1 },
            };

            using (Stream content = document.OpenContent())
            {
                Response<BlobContentInfo> response = await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
                return response.Value;
            }
        }

        /// <summary>
        /// What the name holds, judged by what the service reports: another SHA-256 recorded throws a conflict; the same
        /// SHA-256 holds the document only when the length and Content-MD5 (or the bytes read back) agree.
        /// </summary>
        private async Task<BlobState> InspectAsync(BlockBlobClient blob, DocumentToStore document, string md5, string location, CancellationToken cancellationToken)
        {
            BlobProperties properties;
            try
            {
                properties = (await blob.GetPropertiesAsync(conditions: null, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode != BlobErrorCode.ContainerNotFound.ToString())
            {
                return BlobState.Missing;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "checked");
            }

            string? stored = null;
            if (properties.Metadata != null)
            {
                foreach (KeyValuePair<string, string> pair in properties.Metadata)
                {
                    if (string.Equals(pair.Key, Sha256MetadataName, StringComparison.OrdinalIgnoreCase))
                    {
                        stored = pair.Value;
                    }
                }
            }

            if (!string.Equals(stored, document.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentConflictException(document.DocumentKey, location, string.IsNullOrEmpty(stored) ? "(none recorded)" : stored!, document.Sha256);
            }

            string? contentMd5 = Hex(properties.ContentHash);
            bool holds;
            if (properties.ContentLength != document.Length)
            {
                holds = false;
            }
            else if (string.Equals(contentMd5, md5, StringComparison.OrdinalIgnoreCase))
            {
                holds = true;
            }
            else
            {
                // No Content-MD5 (written in blocks by another tool) or another one: only the bytes can tell.
                holds = await ReadBackMatchesAsync(blob, document, properties.ETag, location, cancellationToken).ConfigureAwait(false);
            }

            return new BlobState(exists: true, holdsDocument: holds, properties.ContentLength, properties.ETag, contentMd5);
        }

        private static async Task<bool> ReadBackMatchesAsync(BlockBlobClient blob, DocumentToStore document, ETag etag, string location, CancellationToken cancellationToken)
        {
            if (document.Length == 0)
            {
                return true; // the properties showed no bytes, and there are none to compare
            }

            try
            {
                var options = new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } };
                Response<BlobDownloadStreamingResult> response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
                using (BlobDownloadStreamingResult result = response.Value)
                using (Stream body = result.Content)
                {
                    var (sha256, _, length) = await DocumentHashing.HashAsync(body, md5: false, cancellationToken).ConfigureAwait(false);
                    return length == document.Length && string.Equals(sha256, document.Sha256, StringComparison.OrdinalIgnoreCase);
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404 || ex.Status == 412)
            {
                return false; // gone or changed since its properties were read: not the document, as far as this look goes
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw Translate(ex, location, "read back");
            }
        }

        /// <summary>Azure.Identity's credential for a way of signing in that uses Entra ID tokens.</summary>
        internal static TokenCredential CreateTokenCredential(AzureBlobDocumentSinkOptions options, AzureBlobAuthentication authentication)
        {
            switch (authentication)
            {
                case AzureBlobAuthentication.ManagedIdentity:
                    return new ManagedIdentityCredential(ManagedIdentity(options.ManagedIdentityId));
                case AzureBlobAuthentication.ServicePrincipal:
                    if (string.IsNullOrWhiteSpace(options.TenantId) || string.IsNullOrWhiteSpace(options.ClientId) || options.ClientSecret is null)
                    {
                        throw new ArgumentException("A service principal needs its tenant id, client (application) id and client secret.", nameof(options));
                    }

                    return new ClientSecretCredential(options.TenantId, options.ClientId, SecretText.Plain(options.ClientSecret));
                default:
                    var chain = new DefaultAzureCredentialOptions
                    {
                        ExcludeInteractiveBrowserCredential = true,
                        ExcludeVisualStudioCredential = true,
                        ExcludeVisualStudioCodeCredential = true,
                    };
                    if (!string.IsNullOrWhiteSpace(options.TenantId))
                    {
                        chain.TenantId = options.TenantId;
                    }

                    return new DefaultAzureCredential(chain);
            }
        }

        /// <summary>System-assigned without an id; user-assigned by resource id (<c>/subscriptions/…</c>) or client id.</summary>
        internal static ManagedIdentityId ManagedIdentity(string? id)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                return ManagedIdentityId.SystemAssigned;
            }

            string value = id!.Trim();
            if (value.StartsWith("/", StringComparison.Ordinal))
            {
                return ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(value));
            }

            if (!Guid.TryParse(value, out _))
            {
                throw new ArgumentException($"'{value}' is neither a managed identity's client id (a GUID) nor its resource id (/subscriptions/…).");
            }

            return ManagedIdentityId.FromUserAssignedClientId(value);
        }

        private static void CheckEndpoint(Uri uri, bool tokenAuthentication)
        {
            string shown = Audit.Redaction.StripQuery(uri) ?? string.Empty;
            if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException($"The blob service URI '{shown}' must be an absolute http or https URL.");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                throw new ArgumentException($"The blob service URI '{shown}' is plain http to a host that is not this machine; use https.");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && tokenAuthentication)
            {
                throw new ArgumentException($"The blob service URI '{shown}' is plain http, and Entra ID tokens (managed identity, service principal, Azure sign-in) are sent over https only; use https, or an account key, SAS or connection string.");
            }
        }

        private static string Describe(AzureBlobAuthentication authentication)
        {
            switch (authentication)
            {
                case AzureBlobAuthentication.ManagedIdentity: return "managed identity";
                case AzureBlobAuthentication.ServicePrincipal: return "service principal";
                case AzureBlobAuthentication.AccountKey: return "account key";
                case AzureBlobAuthentication.SharedAccessSignature: return "SAS";
                case AzureBlobAuthentication.ConnectionString: return "connection string";
                default: return "Azure credential chain";
            }
        }

        /// <summary>
        /// Sorts SDK failures into "the service is down, try later" and "the service refuses this", with Azure's error
        /// code, scrubbed of anything secret.
        /// </summary>
        internal static DocumentArchiveException Translate(Exception ex, string location, string verb)
        {
            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                // The SDK's "retry failed after N tries": the last attempt's failure says what is wrong.
                ex = aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1];
            }

            if (ex is RequestFailedException failed && failed.Status != 0)
            {
                int status = failed.Status;
                string code = string.IsNullOrEmpty(failed.ErrorCode) ? status.ToString(CultureInfo.InvariantCulture) : failed.ErrorCode!;
                string message = Scrub($"'{location}' could not be {verb}: HTTP {status} {code}: {FirstLine(failed.Message)}");
                if (status >= 500 || status == 429 || status == 408 || code == "ServerBusy" || code == "OperationTimedOut")
                {
                    return new DocumentSinkUnavailableException(message, ex);
                }

                switch (code)
                {
                    case "ContainerNotFound":
                        return new DocumentSinkException("DocumentBucketNotFound", message, isTransient: false, ex);
                    case "Md5Mismatch":
                    case "Crc64Mismatch":
                    case "InvalidMd5":
                        // The service received other bytes than were sent: a damaged connection, worth another try.
                        return new DocumentSinkException("DocumentUploadDamaged", message, isTransient: true, ex);
                }

                return status == 401 || status == 403
                    ? new DocumentSinkException("DocumentSinkAccessDenied", message, isTransient: false, ex)
                    : new DocumentSinkException("DocumentSinkRefused", message, isTransient: false, ex);
            }

            if (ex is CredentialUnavailableException)
            {
                // No managed identity here, no Azure CLI sign-in, …: configuration, which no retry fixes by itself.
                return new DocumentSinkException("DocumentSinkConfiguration", Scrub($"'{location}' could not be {verb}: no Azure sign-in is available: {ex.Message}"), isTransient: false, ex);
            }

            bool network = false;
            for (Exception? inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is HttpRequestException || inner is IOException || inner is SocketException || inner is TimeoutException
                    || inner is OperationCanceledException || (inner is RequestFailedException rf && rf.Status == 0))
                {
                    network = true;
                    break;
                }
            }

            if (network)
            {
                return new DocumentSinkUnavailableException(Scrub($"'{location}' could not be {verb}: the service did not answer ({FirstLine(Innermost(ex).Message)})."), ex);
            }

            if (ex is AuthenticationFailedException)
            {
                return new DocumentSinkException("DocumentSinkAccessDenied", Scrub($"'{location}' could not be {verb}: signing in to Azure failed: {FirstLine(ex.Message)}"), isTransient: false, ex);
            }

            // No known kind (the service answered, the SDK failed anyway): the archive's one id for what nobody foresaw.
            return new DocumentArchiveException("DocumentArchiveFailed", Scrub($"'{location}' could not be {verb}: {FirstLine(ex.Message)}"), isTransient: false, ex);
        }

        /// <summary>Signatures, keys and connection-string secrets out of a message.</summary>
        internal static string Scrub(string text) => ConnectionStringSecret.Replace(Audit.Redaction.Scrub(text), m => m.Groups["name"].Value + "=" + Audit.Redaction.Mask);

        private static string FirstLine(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return string.Empty;
            }

            int end = text!.IndexOfAny(new[] { '\r', '\n' });
            return end < 0 ? text : text.Substring(0, end);
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null)
            {
                ex = ex.InnerException;
            }

            return ex;
        }

        private static string? Hex(byte[]? bytes) => bytes is null || bytes.Length == 0 ? null : FileSystemDocumentSink.Hex(bytes);

        /// <summary>What the properties of a blob name showed.</summary>
        private readonly struct BlobState
        {
            public static readonly BlobState Missing = new BlobState(exists: false, holdsDocument: false, 0, default, null);

            public BlobState(bool exists, bool holdsDocument, long length, ETag etag, string? md5)
            {
                Exists = exists;
                HoldsDocument = holdsDocument;
                Length = length;
                ETag = etag;
                Md5 = md5;
            }

            public bool Exists { get; }
            public bool HoldsDocument { get; }
            public long Length { get; }
            public ETag ETag { get; }
            public string? Md5 { get; }
        }
    }
}
