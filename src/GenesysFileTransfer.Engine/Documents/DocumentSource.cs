using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// A document's bytes copied into a private temporary file while their SHA-256 (and MD5) are computed, so what is
    /// checked is exactly what is stored (a local file could change, a download could be cut). Deleted on dispose.
    /// </summary>
    internal sealed class StagedContent : IDisposable
    {
        public StagedContent(string path, string sha256, long length, string? md5 = null)
        {
            Path = path;
            Sha256 = sha256;
            Length = length;
            Md5 = md5;
        }

        public string Path { get; }
        public string Sha256 { get; }
        public long Length { get; }

        /// <summary>Lower-case hex MD5 of the same bytes: what an object store's single-part ETag must equal.</summary>
        public string? Md5 { get; }

        public void Dispose()
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// Fetches an outbox item's bytes: a local file for transfers, an HTTP GET of the attachment URL for callbacks,
    /// streamed to disk and never held whole in memory. The URL is a credential: messages carry it without its query.
    /// </summary>
    internal static class DocumentSource
    {
        private const int BufferSize = 81920;

        /// <summary>One HTTP client for downloads per module load. It holds no user state: the URL is the credential.</summary>
        private static readonly Lazy<HttpClient> SharedClient = new Lazy<HttpClient>(() => new HttpClient(new HttpClientHandler
        {
            // Redirects are followed by hand, each target checked against the download policy like the first URL.
            AllowAutoRedirect = false,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        });

        public static HttpClient DefaultClient => SharedClient.Value;

        public static Task<StagedContent> StageAsync(OutboxItem item, string stagingDirectory, HttpClient http, DocumentArchiverOptions options, CancellationToken cancellationToken)
            => StageAsync(item, item.Source, stagingDirectory, http, options, cancellationToken);

        /// <summary>Stages <paramref name="item"/>'s bytes from <paramref name="source"/>: its own source, or another place that has them.</summary>
        public static async Task<StagedContent> StageAsync(OutboxItem item, string source, string stagingDirectory, HttpClient http, DocumentArchiverOptions options, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(stagingDirectory);
            string path = System.IO.Path.Combine(stagingDirectory, Guid.NewGuid().ToString("N") + ".part");
            try
            {
                StagedContent staged = IsUrl(source, out Uri? url)
                    ? await DownloadAsync(item, url!, path, http, options, cancellationToken).ConfigureAwait(false)
                    : await CopyLocalAsync(item, source, path, options, cancellationToken).ConfigureAwait(false);
                return staged;
            }
            catch
            {
                new StagedContent(path, string.Empty, 0).Dispose();
                throw;
            }
        }

        public static bool IsUrl(string? source, out Uri? url)
        {
            url = null;
            return source != null && Uri.TryCreate(source, UriKind.Absolute, out url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);
        }

        private static async Task<StagedContent> CopyLocalAsync(OutboxItem item, string localPath, string path, DocumentArchiverOptions options, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(localPath))
            {
                // Every writer of the outbox names a source (the delivered file's path, the callback's attachment URL); an
                // item without one has nothing to read, exactly like a file that is gone.
                throw new DocumentSourceException("DocumentSourceNotFound", $"Document '{item.DocumentKey}' names no file to read.", isTransient: false, notFound: true);
            }

            Stream source;
            try
            {
                source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new DocumentSourceException(
                    "DocumentSourceNotFound",
                    $"Document '{item.DocumentKey}': the file '{localPath}' no longer exists; put it back (same content) to archive it.",
                    isTransient: false,
                    notFound: true,
                    ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new DocumentSourceException("DocumentSourceUnreadable", $"Document '{item.DocumentKey}': the file '{localPath}' cannot be read: {ex.Message}", isTransient: true, innerException: ex);
            }

            using (source)
            {
                return await CopyAsync(item, source, path, options.MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
            }
        }

        private static async Task<StagedContent> DownloadAsync(OutboxItem item, Uri url, string path, HttpClient http, DocumentArchiverOptions options, CancellationToken cancellationToken)
        {
            string safeUrl = Redaction.StripQuery(url) ?? "(url)";
            DownloadPolicy policy = options.DownloadPolicy ?? new DownloadPolicy();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.DownloadTimeout);
                try
                {
                    // No default headers and no Authorization: the presigned URL is the only credential, and nothing
                    // of the Genesys session may reach the storage host.
                    HttpResponseMessage response;
                    for (int redirects = 0; ; redirects++)
                    {
                        await policy.CheckAsync(url, item.DocumentKey, timeout.Token).ConfigureAwait(false);
                        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
                        {
                            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                        }

                        int code = (int)response.StatusCode;
                        if (code < 300 || code > 399 || code == 304)
                        {
                            break;
                        }

                        Uri? location = response.Headers.Location;
                        response.Dispose();
                        if (location is null || redirects >= policy.MaxRedirects)
                        {
                            throw new DocumentSourceException("DocumentSourceRefused", $"Document '{item.DocumentKey}': GET {safeUrl} redirected " + (location is null ? "without a location." : "more than " + policy.MaxRedirects + " times."), isTransient: false);
                        }

                        url = location.IsAbsoluteUri ? location : new Uri(url, location);
                        safeUrl = Redaction.StripQuery(url) ?? "(url)";
                    }

                    using (response)
                    {
                        int status = (int)response.StatusCode;
                        if (!response.IsSuccessStatusCode)
                        {
                            bool transient = status >= 500 || status == 408 || status == 429;
                            string code = transient ? "DocumentSourceUnavailable"
                                : status == 404 || status == 410 ? "DocumentSourceNotFound"
                                : "DocumentSourceRefused";
                            throw new DocumentSourceException(
                                code,
                                $"Document '{item.DocumentKey}': GET {safeUrl} answered HTTP {status}" + (status == 403 ? " (an expired or revoked attachment URL answers so)." : "."),
                                transient,
                                notFound: status == 404 || status == 410);
                        }

                        long? declared = response.Content.Headers.ContentLength;
                        if (declared > options.MaxDocumentBytes)
                        {
                            throw new DocumentSourceException(
                                "DocumentTooLarge",
                                $"Document '{item.DocumentKey}': {safeUrl} is {declared} bytes, more than the {options.MaxDocumentBytes} allowed.",
                                isTransient: false);
                        }

                        using (Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                        {
                            StagedContent staged = await CopyAsync(item, body, path, options.MaxDocumentBytes, timeout.Token).ConfigureAwait(false);
                            if (declared is long expected && expected != staged.Length)
                            {
                                staged.Dispose();
                                throw new DocumentSourceException(
                                    "DocumentSourceUnavailable",
                                    $"Document '{item.DocumentKey}': the download from {safeUrl} ended after {staged.Length} of {expected} bytes.",
                                    isTransient: true);
                            }

                            return staged;
                        }
                    }
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DocumentSourceException("DocumentSourceUnavailable", $"Document '{item.DocumentKey}': the download from {safeUrl} failed; it is tried again later.", isTransient: true, innerException: ex);
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is IOException || ex is WebException)
                {
                    // One message for every network failure (refused, reset, unreachable, TLS): a callback must not be
                    // able to learn from the error text which ports or hosts answer.
                    throw new DocumentSourceException(
                        "DocumentSourceUnavailable",
                        $"Document '{item.DocumentKey}': the download from {safeUrl} failed; it is tried again later.",
                        isTransient: true,
                        innerException: null);
                }
            }
        }

        private static async Task<StagedContent> CopyAsync(OutboxItem item, Stream source, string path, long maxBytes, CancellationToken cancellationToken)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                using (IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                using (IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
                using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
                {
                    long total = 0;
                    int read;
                    while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                        if (total > maxBytes)
                        {
                            throw new DocumentSourceException(
                                "DocumentTooLarge",
                                $"Document '{item.DocumentKey}' is larger than the {maxBytes} bytes allowed.",
                                isTransient: false);
                        }

                        sha.AppendData(buffer, 0, read);
                        md5.AppendData(buffer, 0, read);
                        await target.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                    }

                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return new StagedContent(path, FileSystemDocumentSink.Hex(sha.GetHashAndReset()), total, FileSystemDocumentSink.Hex(md5.GetHashAndReset()));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
