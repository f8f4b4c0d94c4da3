using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// PUTs a file to its presigned URL the way S3 expects: streamed from disk, an exact Content-Length (never
    /// chunked), every signed header, and no Genesys Authorization header.
    /// </summary>
    internal sealed class PresignedUploader
    {
        private const int StreamBufferSize = 128 * 1024;

        private readonly HttpClient _http;
        private readonly ResilientSender _sender;
        private readonly AuditLog _audit;

        public PresignedUploader(HttpClient http, ResilientSender sender, AuditLog audit)
        {
            _http = http;
            _sender = sender;
            _audit = audit;
        }

        public async Task UploadAsync(FileTransfer transfer, IProgress<long>? progress, string? correlationId, CancellationToken cancellationToken)
        {
            PresignedUpload upload = transfer.Upload ?? throw new TransferStateException($"Transfer {transfer.TransferId} has no upload URL; create or renew it first.");
            long reported = 0;
            var overall = Stopwatch.StartNew();

            HttpResponseMessage response;
            try
            {
                response = await _sender.SendAsync(
                    (attempt, token) => SendAttemptAsync(transfer, upload, attempt, bytes =>
                    {
                        reported = bytes;
                        progress?.Report(bytes);
                    }, correlationId, token),
                    notice => _audit.Write(new AuditRecord(AuditOperations.UploadAttempt, AuditOutcomes.Retry)
                    {
                        TransferId = transfer.TransferId,
                        MediaId = transfer.MediaId,
                        CorrelationId = correlationId,
                        HttpStatus = notice.HttpStatus,
                        Attempt = notice.Attempt,
                        RetryAfterSeconds = notice.Delay.TotalSeconds,
                        Target = upload.RedactedUrl,
                        Detail = notice.Reason,
                    }),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (!(ex is UploadRejectedException) && !(ex is TransferStateException))
            {
                throw new GenesysTransportException(AuditOperations.UploadAttempt, $"Uploading '{transfer.FileName}' to {upload.RedactedUrl} failed after every retry ({reported} bytes sent in the last attempt): {Redaction.Scrub(ex.Message)}", ex);
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                (string? code, string? message) = ParseStorageError(body);
                string text = $"The storage host refused '{transfer.FileName}' ({(int)response.StatusCode} {code ?? response.ReasonPhrase}): {Redaction.Scrub(message ?? string.Empty)}";
                if (response.StatusCode == HttpStatusCode.Forbidden && string.Equals(code, "AccessDenied", StringComparison.Ordinal)
                    && message != null && message.IndexOf("expired", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw new UploadUrlExpiredException(text);
                }

                throw new UploadRejectedException(response.StatusCode, code, text);
            }
        }

        private async Task<HttpResponseMessage> SendAttemptAsync(FileTransfer transfer, PresignedUpload upload, int attempt, Action<long> report, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            long sent = 0;
            try
            {
                var file = new FileStream(transfer.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                long length = file.Length;
                if (length != transfer.Length)
                {
                    file.Dispose();
                    throw new TransferStateException($"'{transfer.Path}' changed size since it was validated ({transfer.Length} → {length} bytes); create a new transfer.");
                }

                using var request = new HttpRequestMessage(HttpMethod.Put, upload.Url)
                {
                    Content = new StreamContent(new ProgressStream(file, bytes =>
                    {
                        sent = bytes;
                        report(bytes);
                    }), StreamBufferSize),
                };
                request.Content.Headers.ContentLength = transfer.Length;
                foreach (var header in upload.Headers)
                {
                    // Content-* headers belong to the content; the rest (x-amz-*) to the request. Either way the
                    // value must be sent byte for byte as signed.
                    if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value))
                    {
                        request.Content.Headers.Remove(header.Key);
                        request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                request.Headers.ExpectContinue = false;
                HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                _audit.Write(new AuditRecord(AuditOperations.UploadAttempt, response.IsSuccessStatusCode ? AuditOutcomes.Success : AuditOutcomes.Failure)
                {
                    TransferId = transfer.TransferId,
                    MediaId = transfer.MediaId,
                    ConversationId = transfer.ConversationId,
                    CorrelationId = correlationId,
                    HttpMethod = "PUT",
                    Target = upload.RedactedUrl,
                    HttpStatus = (int)response.StatusCode,
                    Attempt = attempt,
                    Bytes = sent,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    FileName = transfer.FileName,
                    Sha256 = transfer.Sha256,
                });
                return response;
            }
            catch (Exception ex) when (!(ex is TransferStateException))
            {
                _audit.Write(new AuditRecord(AuditOperations.UploadAttempt, cancellationToken.IsCancellationRequested ? AuditOutcomes.Cancelled : AuditOutcomes.Failure)
                {
                    TransferId = transfer.TransferId,
                    MediaId = transfer.MediaId,
                    CorrelationId = correlationId,
                    HttpMethod = "PUT",
                    Target = upload.RedactedUrl,
                    Attempt = attempt,
                    Bytes = sent,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Detail = ex.GetType().Name,
                });
                throw;
            }
        }

        internal static (string? Code, string? Message) ParseStorageError(string body)
        {
            if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '<')
            {
                return (null, null);
            }

            try
            {
                XElement root = XDocument.Parse(body).Root!;
                return (root.Element("Code")?.Value, root.Element("Message")?.Value);
            }
            catch (System.Xml.XmlException)
            {
                return (null, null);
            }
        }
    }
}
