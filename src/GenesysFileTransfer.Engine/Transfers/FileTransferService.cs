using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// The lifecycle of transfer sessions on one connection: validate, create (media upload), upload, renew, wait
    /// for Genesys' validation, deliver. Each step is audited with its latency, and, when the connection has a
    /// journal, recorded there with its history, so a later session can find the transfer and resume it.
    /// </summary>
    public sealed class FileTransferService
    {
        /// <summary>Renew before uploading when less than this is left on the URL, so the PUT cannot expire mid-way.</summary>
        internal static readonly TimeSpan MinimumUploadWindow = TimeSpan.FromSeconds(60);
        private const int MaxRenewalsPerUpload = 2;

        private readonly GenesysApiClient _api;
        private readonly PresignedUploader _uploader;
        private readonly AuditLog _audit;
        private readonly TimeProvider _time;
        private readonly TimeSpan _assumedUrlLifetime;
        private readonly ITransferJournal? _journal;
        private readonly ConcurrentDictionary<Guid, FileTransfer> _transfers = new ConcurrentDictionary<Guid, FileTransfer>();
        private readonly ConcurrentDictionary<string, SemaphoreSlim> _keyGates = new ConcurrentDictionary<string, SemaphoreSlim>(StringComparer.Ordinal);

        internal FileTransferService(GenesysApiClient api, PresignedUploader uploader, AuditLog audit, TimeProvider time, TimeSpan assumedUrlLifetime, ITransferJournal? journal = null)
        {
            _api = api;
            _uploader = uploader;
            _audit = audit;
            _time = time;
            _assumedUrlLifetime = assumedUrlLifetime;
            _journal = journal;
        }

        /// <summary>Where transfers are recorded; null when the connection keeps them in memory only.</summary>
        public ITransferJournal? Journal => _journal;

        /// <summary>Transfers created on this connection, newest last.</summary>
        public IReadOnlyList<FileTransfer> Transfers => _transfers.Values.OrderBy(t => t.CreatedAt).ToArray();

        /// <summary>A transfer of this connection, or one of an earlier session recorded in its journal.</summary>
        public bool TryGet(Guid transferId, out FileTransfer transfer)
        {
            if (_transfers.TryGetValue(transferId, out transfer!))
            {
                return true;
            }

            JournalTransfer? record = _journal?.Transfers.GetTransfer(transferId);
            if (record is null)
            {
                return false;
            }

            transfer = Adopt(record);
            return true;
        }

        /// <summary>
        /// Transfers matching <paramref name="query"/>, newest first: from the journal (earlier sessions included) when
        /// the connection has one, otherwise those created on this connection. A transfer this connection holds is
        /// returned as that same object.
        /// </summary>
        public IReadOnlyList<FileTransfer> Query(TransferQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            if (_journal is null)
            {
                IEnumerable<FileTransfer> matching = _transfers.Values.Where(t => Matches(t, query)).OrderByDescending(t => t.CreatedAt);
                return (query.Limit is int limit ? matching.Take(Math.Max(0, limit)) : matching).ToArray();
            }

            return _journal.Transfers.QueryTransfers(query).Select(Adopt).ToArray();
        }

        /// <summary>Transfers recorded in <paramref name="journal"/> matching <paramref name="query"/>, newest first, without a connection.</summary>
        public static IReadOnlyList<FileTransfer> Query(ITransferJournal journal, TransferQuery query)
        {
            if (journal is null)
            {
                throw new ArgumentNullException(nameof(journal));
            }

            return journal.Transfers.QueryTransfers(query ?? throw new ArgumentNullException(nameof(query)))
                .Select(record => FileTransfer.FromJournal(record, journal.Transfers.GetHistory(record.TransferId), journal.Location))
                .ToArray();
        }

        /// <summary>Checks a file against the policy without sending anything; audited as a validate step.</summary>
        public FileValidationReport Validate(FileCandidate file, FileUploadPolicy policy, bool requireMetadata, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            FileValidationReport report = new FileTransferValidator(policy, requireMetadata).Validate(file, cancellationToken);
            _audit.Write(new AuditRecord(AuditOperations.Validate, report.IsValid ? AuditOutcomes.Success : AuditOutcomes.Refused)
            {
                CorrelationId = correlationId,
                FileName = report.FileName,
                Bytes = report.Length < 0 ? (long?)null : report.Length,
                LatencyMs = watch.Elapsed.TotalMilliseconds,
                ErrorCode = report.IsValid ? null : string.Join(",", report.Failures.Select(f => f.ErrorCode)),
                Detail = report.IsValid ? null : report.Summary,
            });
            return report;
        }

        /// <summary>
        /// Validates the file (throwing <see cref="FileValidationException"/> with every failing field) and opens a
        /// transfer session backed by a Genesys message-media upload.
        /// </summary>
        /// <remarks>
        /// With a journal, the same bytes to the same conversation and communication are one transfer: when the
        /// journal already has one (from this or an earlier session), it is resumed instead, as it stands. One that
        /// still has to upload gets a fresh upload URL; a delivered one is returned as it is and nothing is sent.
        /// <see cref="CreateTransferRequest.StartNew"/> opens a new transfer regardless.
        /// </remarks>
        public async Task<FileTransfer> CreateAsync(CreateTransferRequest request, CancellationToken cancellationToken)
        {
            FileValidationReport report = Validate(request.File, request.Policy, request.RequireMetadata, request.CorrelationId, cancellationToken);
            if (!report.IsValid)
            {
                throw new FileValidationException(report);
            }

            FileFacts facts = FileFacts.Compute(request.File.Path, cancellationToken);
            if (_journal is null)
            {
                return await OpenNewAsync(request, facts, report, cancellationToken).ConfigureAwait(false);
            }

            // One lookup-or-create at a time per key, so two copies of a file in one batch become one transfer.
            string key = FileTransfer.KeyFor(facts.Sha256, request.ConversationId, request.CommunicationId);
            SemaphoreSlim keyGate = _keyGates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
            await keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                JournalTransfer? existing = request.StartNew ? null : _journal.Transfers.FindByIdempotencyKey(key);
                return existing is null
                    ? await OpenNewAsync(request, facts, report, cancellationToken).ConfigureAwait(false)
                    : await ResumeAsync(Adopt(existing), request.CorrelationId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                keyGate.Release();
            }
        }

        private async Task<FileTransfer> OpenNewAsync(CreateTransferRequest request, FileFacts facts, FileValidationReport report, CancellationToken cancellationToken)
        {
            var transfer = new FileTransfer(
                Guid.NewGuid(),
                request.ConversationId,
                request.CommunicationId,
                facts,
                report.ContentType ?? "application/octet-stream",
                request.File.Metadata,
                _time.GetUtcNow());

            await OpenMediaUploadAsync(transfer, AuditOperations.Create, "created", request.CorrelationId, cancellationToken).ConfigureAwait(false);
            _transfers[transfer.TransferId] = transfer;
            return transfer;
        }

        private async Task<FileTransfer> ResumeAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            await transfer.WorkGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                switch (transfer.Status)
                {
                    case TransferStatus.Delivered:
                        // A crash between the delivery and its outbox entry must not leave the document unarchived.
                        EnqueueForArchive(transfer);
                        break;
                    case TransferStatus.Created:
                    case TransferStatus.Failed:
                        if (transfer.Upload is null || transfer.Status == TransferStatus.Failed)
                        {
                            await RenewAsync(transfer, "resuming transfer " + transfer.TransferId + " from the journal", correlationId, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }

                return transfer;
            }
            finally
            {
                transfer.WorkGate.Release();
            }
        }

        /// <summary>The one object this connection uses for a transfer recorded in the journal.</summary>
        private FileTransfer Adopt(JournalTransfer record) =>
            _transfers.GetOrAdd(record.TransferId, _ => FileTransfer.FromJournal(record, _journal!.Transfers.GetHistory(record.TransferId), _journal.Location));

        private static bool Matches(FileTransfer transfer, TransferQuery query) =>
            (query.TransferId is null || transfer.TransferId == query.TransferId) &&
            (string.IsNullOrEmpty(query.Status) || string.Equals(transfer.Status.ToString(), query.Status, StringComparison.Ordinal)) &&
            (string.IsNullOrEmpty(query.File) || string.Equals(transfer.Path, query.File, FileNameComparison) || string.Equals(transfer.FileName, query.File, FileNameComparison)) &&
            (string.IsNullOrEmpty(query.Sha256) || string.Equals(transfer.Sha256, query.Sha256, StringComparison.OrdinalIgnoreCase)) &&
            (string.IsNullOrEmpty(query.ConversationId) || string.Equals(transfer.ConversationId, query.ConversationId, StringComparison.Ordinal)) &&
            (query.Since is null || transfer.CreatedAt >= query.Since);

        private static StringComparison FileNameComparison =>
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

        /// <summary>
        /// Streams the bytes to the presigned URL. Renews first when the URL is about to expire, and renews and
        /// retries when the storage host says it has expired. A transfer already uploaded is left as it is.
        /// </summary>
        public Task<FileTransfer> UploadAsync(FileTransfer transfer, IProgress<long>? progress, string? correlationId, CancellationToken cancellationToken) =>
            Exclusively(transfer, () => UploadExclusiveAsync(transfer, progress, correlationId, cancellationToken), cancellationToken);

        private async Task<FileTransfer> UploadExclusiveAsync(FileTransfer transfer, IProgress<long>? progress, string? correlationId, CancellationToken cancellationToken)
        {
            if (transfer.Status == TransferStatus.Uploaded || transfer.Status == TransferStatus.Valid || transfer.Status == TransferStatus.Delivered)
            {
                return transfer;
            }

            if (transfer.Status == TransferStatus.Invalid)
            {
                throw new TransferStateException($"Genesys marked media {transfer.MediaId} of '{transfer.FileName}' invalid; it cannot be uploaded again. Fix the file and create a new transfer.");
            }

            if (transfer.Status == TransferStatus.Failed)
            {
                await RenewAsync(transfer, "renewing after a failed upload", correlationId, cancellationToken).ConfigureAwait(false);
            }

            for (int renewals = 0; ; renewals++)
            {
                if (transfer.Upload is null)
                {
                    // Upload URLs are not kept in the journal: their signature is a credential.
                    await RenewAsync(transfer, "the upload URL of an earlier session is not kept", correlationId, cancellationToken).ConfigureAwait(false);
                }
                else if (transfer.ExpiresAt is DateTimeOffset expires && expires - _time.GetUtcNow() < MinimumUploadWindow)
                {
                    await RenewAsync(transfer, "the upload URL expires at " + expires.ToString("u"), correlationId, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    var watch = Stopwatch.StartNew();
                    await _uploader.UploadAsync(transfer, progress, correlationId, cancellationToken).ConfigureAwait(false);
                    Record(transfer, transfer.MarkUploaded(_time.GetUtcNow()));
                    _audit.Write(new AuditRecord(AuditOperations.UploadAttempt, AuditOutcomes.Success)
                    {
                        TransferId = transfer.TransferId,
                        MediaId = transfer.MediaId,
                        ConversationId = transfer.ConversationId,
                        CorrelationId = correlationId,
                        Bytes = transfer.Length,
                        LatencyMs = watch.Elapsed.TotalMilliseconds,
                        FileName = transfer.FileName,
                        Sha256 = transfer.Sha256,
                        Status = transfer.Status.ToString(),
                        Detail = "upload complete",
                    });
                    return transfer;
                }
                catch (UploadUrlExpiredException) when (renewals < MaxRenewalsPerUpload)
                {
                    await RenewAsync(transfer, "the storage host reported the upload URL expired", correlationId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is TransferJournalException))
                {
                    TransferHistoryEntry failed = transfer.MarkFailed(ex.Message, _time.GetUtcNow());
                    try
                    {
                        Record(transfer, failed);
                    }
                    catch (TransferJournalException)
                    {
                        // The upload's own failure is what the caller needs to hear about; the journal keeps the
                        // previous state, from which a later session renews and uploads again anyway.
                    }

                    throw;
                }
            }
        }

        /// <summary>
        /// Renews the upload URL when less than <paramref name="threshold"/> remains (or always with
        /// <paramref name="force"/>). Returns true when a new media upload was opened.
        /// </summary>
        public Task<bool> RenewIfNeededAsync(FileTransfer transfer, TimeSpan threshold, bool force, string? correlationId, CancellationToken cancellationToken) =>
            Exclusively(transfer, () => RenewIfNeededExclusiveAsync(transfer, threshold, force, correlationId, cancellationToken), cancellationToken);

        private async Task<bool> RenewIfNeededExclusiveAsync(FileTransfer transfer, TimeSpan threshold, bool force, string? correlationId, CancellationToken cancellationToken)
        {
            if (transfer.Status != TransferStatus.Created && transfer.Status != TransferStatus.Failed)
            {
                throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; only a transfer that has not been uploaded yet has an upload URL to renew.");
            }

            TimeSpan remaining = (transfer.ExpiresAt ?? DateTimeOffset.MinValue) - _time.GetUtcNow();
            if (!force && remaining >= threshold)
            {
                return false;
            }

            string reason = force ? "renewal forced" : $"{Math.Max(0, remaining.TotalMinutes):0.#} minutes left, below the {threshold.TotalMinutes:0.#}-minute threshold";
            await RenewAsync(transfer, reason, correlationId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        /// <summary>
        /// Polls Genesys until the media is valid or invalid. An invalid result is returned, not thrown: the
        /// caller decides how to report it.
        /// </summary>
        public Task<FileTransfer> WaitForScanAsync(FileTransfer transfer, ScanWaitOptions options, string? correlationId, CancellationToken cancellationToken) =>
            Exclusively(transfer, () => WaitForScanExclusiveAsync(transfer, options, correlationId, cancellationToken), cancellationToken);

        private async Task<FileTransfer> WaitForScanExclusiveAsync(FileTransfer transfer, ScanWaitOptions options, string? correlationId, CancellationToken cancellationToken)
        {
            if (transfer.Status == TransferStatus.Valid || transfer.Status == TransferStatus.Invalid || transfer.Status == TransferStatus.Delivered)
            {
                return transfer;
            }

            if (transfer.Status != TransferStatus.Uploaded)
            {
                throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; upload it before waiting for Genesys to validate it.");
            }

            var watch = Stopwatch.StartNew();
            for (int poll = 1; ; poll++)
            {
                TimeSpan delay = options.IntervalFor(poll);
                if (watch.Elapsed + delay > options.Timeout)
                {
                    _audit.Write(new AuditRecord(AuditOperations.ScanResult, AuditOutcomes.Failure)
                    {
                        TransferId = transfer.TransferId,
                        MediaId = transfer.MediaId,
                        CorrelationId = correlationId,
                        LatencyMs = watch.Elapsed.TotalMilliseconds,
                        Attempt = poll - 1,
                        ErrorCode = "ScanTimeout",
                    });
                    throw new ScanTimeoutException($"Genesys had not validated media {transfer.MediaId} of '{transfer.FileName}' after {options.Timeout.TotalSeconds:0.#} s ({poll - 1} polls). Wait again later; the upload itself is complete.");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                var pollWatch = Stopwatch.StartNew();
                MessageMediaData media = await _api.GetAsync<MessageMediaData>(
                    MediaPath(transfer) + "/" + Uri.EscapeDataString(transfer.MediaId!),
                    Context(AuditOperations.ScanPoll, transfer, correlationId),
                    cancellationToken).ConfigureAwait(false);
                string status = media.Status ?? "unknown";
                bool done = status == "valid" || status == "invalid";
                _audit.Write(new AuditRecord(AuditOperations.ScanPoll, done ? AuditOutcomes.Success : AuditOutcomes.Pending)
                {
                    TransferId = transfer.TransferId,
                    MediaId = transfer.MediaId,
                    CorrelationId = correlationId,
                    Attempt = poll,
                    LatencyMs = pollWatch.Elapsed.TotalMilliseconds,
                    Status = status,
                    Detail = "next poll in " + options.IntervalFor(poll + 1).TotalMilliseconds + " ms",
                });
                if (!done)
                {
                    continue;
                }

                bool valid = status == "valid";
                TransferHistoryEntry scanned = transfer.MarkScanned(valid, media.MediaType, valid ? null : "Genesys marked the media invalid: its type is not allowed by the organization's supported-content profile, the bytes do not match the declared type, or the content was blocked.", _time.GetUtcNow());
                _audit.Write(new AuditRecord(AuditOperations.ScanResult, valid ? AuditOutcomes.Success : AuditOutcomes.Refused)
                {
                    TransferId = transfer.TransferId,
                    MediaId = transfer.MediaId,
                    ConversationId = transfer.ConversationId,
                    CorrelationId = correlationId,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Attempt = poll,
                    Status = status,
                    FileName = transfer.FileName,
                });
                Record(transfer, scanned);
                return transfer;
            }
        }

        /// <summary>Sends the validated media into the conversation. A delivered transfer is not sent twice.</summary>
        public Task<FileTransfer> DeliverAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken) =>
            Exclusively(transfer, () => DeliverExclusiveAsync(transfer, correlationId, cancellationToken), cancellationToken);

        private async Task<FileTransfer> DeliverExclusiveAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            if (transfer.Status == TransferStatus.Delivered)
            {
                return transfer;
            }

            if (transfer.Status != TransferStatus.Valid)
            {
                throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; only media Genesys validated can be delivered{(transfer.Status == TransferStatus.Uploaded ? " (wait for the scan first)" : string.Empty)}.");
            }

            var watch = Stopwatch.StartNew();
            MessageData message = await _api.PostAsync<MessageData>(
                $"api/v2/conversations/messages/{Uri.EscapeDataString(transfer.ConversationId)}/communications/{Uri.EscapeDataString(transfer.CommunicationId)}/messages",
                new AdditionalMessage { MediaIds = { transfer.MediaId! } },
                NonIdempotent(Context(AuditOperations.Deliver, transfer, correlationId)),
                cancellationToken).ConfigureAwait(false);
            TransferHistoryEntry delivered = transfer.MarkDelivered(message.Id, _time.GetUtcNow());
            _audit.Write(new AuditRecord(AuditOperations.Deliver, AuditOutcomes.Success)
            {
                TransferId = transfer.TransferId,
                MediaId = transfer.MediaId,
                ConversationId = transfer.ConversationId,
                CorrelationId = correlationId,
                LatencyMs = watch.Elapsed.TotalMilliseconds,
                FileName = transfer.FileName,
                Sha256 = transfer.Sha256,
                Status = transfer.Status.ToString(),
                Detail = message.Id is null ? null : "message " + message.Id,
            });
            Record(transfer, delivered);
            EnqueueForArchive(transfer);
            return transfer;
        }

        /// <summary>The organization's supported-content profile as an upload policy (the default profile when no id is given).</summary>
        public async Task<FileUploadPolicy> GetSupportedContentPolicyAsync(string? supportedContentId, string? correlationId, CancellationToken cancellationToken)
        {
            string path = "api/v2/conversations/messaging/supportedcontent/" + (string.IsNullOrEmpty(supportedContentId) ? "default" : Uri.EscapeDataString(supportedContentId!));
            var watch = Stopwatch.StartNew();
            SupportedContent profile = await _api.GetAsync<SupportedContent>(path, new ApiCallContext(AuditOperations.PolicyRead) { CorrelationId = correlationId }, cancellationToken).ConfigureAwait(false);
            FileUploadPolicy policy = FileUploadPolicy.FromSupportedContent(
                profile.MediaTypes?.Allow?.Outbound?.Select(t => t.Type).Where(t => !string.IsNullOrEmpty(t)).Select(t => t!) ?? Enumerable.Empty<string>(),
                null,
                "supportedContent:" + (profile.Id ?? supportedContentId ?? "default") + (profile.Name is null ? string.Empty : " (" + profile.Name + ")"));
            _audit.Write(new AuditRecord(AuditOperations.PolicyRead, AuditOutcomes.Success) { CorrelationId = correlationId, LatencyMs = watch.Elapsed.TotalMilliseconds, Detail = policy.Source });
            return policy;
        }

        /// <summary>The effective upload policy of a Messenger deployment: its supported-content profile and file-size limit.</summary>
        public async Task<FileUploadPolicy> GetDeploymentPolicyAsync(string deploymentId, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            DeploymentActiveConfiguration active = await _api.GetAsync<DeploymentActiveConfiguration>(
                $"api/v2/webdeployments/deployments/{Uri.EscapeDataString(deploymentId)}/configurations?expand=supportedContent",
                new ApiCallContext(AuditOperations.PolicyRead) { CorrelationId = correlationId },
                cancellationToken).ConfigureAwait(false);
            List<MediaTypeEntry>? outbound = active.Deployment?.SupportedContent?.MediaTypes?.Allow?.Outbound;
            List<FileUploadMode> modes = active.ConfigurationVersion?.Messenger?.FileUpload?.Modes ?? new List<FileUploadMode>();
            IEnumerable<string> types = outbound != null
                ? outbound.Select(t => t.Type).Where(t => !string.IsNullOrEmpty(t)).Select(t => t!)
                : modes.SelectMany(m => m.FileTypes ?? new List<string>());
            // A mode without a positive size states no limit; the platform's 25 MB then applies.
            long? maxKb = modes.Where(m => m.MaxFileSizeKB > 0).Select(m => m.MaxFileSizeKB).DefaultIfEmpty(null).Max();
            FileUploadPolicy policy = FileUploadPolicy.FromSupportedContent(types, maxKb * 1024, "deployment:" + deploymentId);
            _audit.Write(new AuditRecord(AuditOperations.PolicyRead, AuditOutcomes.Success) { CorrelationId = correlationId, LatencyMs = watch.Elapsed.TotalMilliseconds, Detail = policy.Source });
            return policy;
        }

        private async Task RenewAsync(FileTransfer transfer, string reason, string? correlationId, CancellationToken cancellationToken)
        {
            string? old = transfer.MediaId;
            await OpenMediaUploadAsync(transfer, AuditOperations.Renew, "renewed", correlationId, cancellationToken, reason + (old is null ? string.Empty : "; replaces media " + old)).ConfigureAwait(false);
        }

        private async Task OpenMediaUploadAsync(FileTransfer transfer, string operation, string historyEvent, string? correlationId, CancellationToken cancellationToken, string? detail = null)
        {
            var watch = Stopwatch.StartNew();
            MessageMediaUploadData data;
            try
            {
                data = await _api.PostAsync<MessageMediaUploadData>(
                    MediaPath(transfer) + "/uploads",
                    new UploadMediaRequest { FileName = transfer.FileName, ContentLengthBytes = transfer.Length, ContentMd5 = transfer.ContentMd5 },
                    Context(operation, transfer, correlationId),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (GenesysApiException ex)
            {
                _audit.Write(new AuditRecord(operation, AuditOutcomes.Failure)
                {
                    TransferId = transfer.TransferId,
                    ConversationId = transfer.ConversationId,
                    CorrelationId = correlationId,
                    IninCorrelationId = ex.CorrelationId,
                    HttpStatus = (int)ex.StatusCode,
                    ErrorCode = ex.ErrorCode,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    FileName = transfer.FileName,
                });
                throw;
            }

            if (string.IsNullOrEmpty(data.Id) || !Uri.TryCreate(data.UploadUrl, UriKind.Absolute, out Uri? url))
            {
                throw new GenesysApiException(operation, HttpStatusCode.OK, "invalid.response", "Genesys answered the media upload request without a media id or upload URL.", null);
            }

            DateTimeOffset now = _time.GetUtcNow();
            bool known = PresignedUrlExpiry.TryParse(url, out DateTimeOffset expires);
            var upload = new PresignedUpload(
                url,
                new Dictionary<string, string>(data.UploadHeaders ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
                known ? expires : now + _assumedUrlLifetime,
                known);
            TransferHistoryEntry attached = transfer.AttachMedia(data.Id!, upload, now, historyEvent);
            _audit.Write(new AuditRecord(operation, AuditOutcomes.Success)
            {
                TransferId = transfer.TransferId,
                MediaId = transfer.MediaId,
                ConversationId = transfer.ConversationId,
                CorrelationId = correlationId,
                LatencyMs = watch.Elapsed.TotalMilliseconds,
                Bytes = transfer.Length,
                FileName = transfer.FileName,
                Sha256 = transfer.Sha256,
                Target = upload.RedactedUrl,
                Status = transfer.Status.ToString(),
                Detail = (detail is null ? string.Empty : detail + "; ") + "upload URL expires " + upload.ExpiresAt.ToString("u") + (known ? string.Empty : " (assumed)"),
                Metadata = operation == AuditOperations.Create ? System.Text.Json.JsonSerializer.Serialize(transfer.Metadata, Json.Options) : null,
            });
            Record(transfer, attached);
        }

        /// <summary>Writes the transfer's new state, then the event that led to it, to the journal (when there is one).</summary>
        private void Record(FileTransfer transfer, TransferHistoryEntry entry)
        {
            if (_journal is null)
            {
                return;
            }

            JournalTransfer next = transfer.ToJournal(_time.GetUtcNow());
            JournalTransfer? current = _journal.Transfers.GetTransfer(transfer.TransferId);
            if (current is null)
            {
                _journal.Transfers.InsertOrGet(next, entry, supersede: true, out _);
                return;
            }

            _journal.Transfers.TryTransition(next, current.Version, entry);
        }

        /// <summary>Hands a delivered file to document-management sync; its key makes a second call a no-op.</summary>
        private void EnqueueForArchive(FileTransfer transfer)
        {
            if (_journal is null)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            _journal.Outbox.Enqueue(new OutboxItem
            {
                DocumentKey = "transfer/" + transfer.TransferId.ToString("D"),
                Kind = "transfer",
                TransferId = transfer.TransferId,
                ConversationId = transfer.ConversationId,
                MessageId = transfer.MessageId,
                Source = transfer.Path,
                FileName = transfer.FileName,
                ContentType = transfer.ContentType,
                Sha256 = transfer.Sha256,
                Length = transfer.Length,
                MetadataJson = System.Text.Json.JsonSerializer.Serialize(transfer.Metadata, Json.Options),
                State = OutboxState.Pending,
                EnqueuedAt = now,
                NextAttemptAt = now,
            });
        }

        private static async Task<T> Exclusively<T>(FileTransfer transfer, Func<Task<T>> step, CancellationToken cancellationToken)
        {
            await transfer.WorkGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await step().ConfigureAwait(false);
            }
            finally
            {
                transfer.WorkGate.Release();
            }
        }

        private static string MediaPath(FileTransfer transfer) =>
            $"api/v2/conversations/messages/{Uri.EscapeDataString(transfer.ConversationId)}/communications/{Uri.EscapeDataString(transfer.CommunicationId)}/messages/media";

        private static ApiCallContext NonIdempotent(ApiCallContext context)
        {
            context.Idempotent = false;
            return context;
        }

        private static ApiCallContext Context(string operation, FileTransfer transfer, string? correlationId) => new ApiCallContext(operation)
        {
            TransferId = transfer.TransferId,
            MediaId = transfer.MediaId,
            ConversationId = transfer.ConversationId,
            CorrelationId = correlationId,
            FileName = transfer.FileName,
        };
    }
}
