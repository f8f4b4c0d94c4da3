using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Scanning;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// The lifecycle steps of transfers on one connection: open (validate, record, media upload), upload, renew, wait
    /// for Genesys' validation, deliver. The journal decides: every step takes the transfer's lease, reads its current
    /// state from the journal, acts, and records the result with one compare-and-set transition; the
    /// <see cref="FileTransfer"/> objects handed out are views refreshed from it. A delivery is recorded as being
    /// attempted before the request leaves, so an answer that never arrives leaves an explicit "outcome unknown" that is
    /// settled by reading the conversation back before anything is sent again.
    /// </summary>
    public sealed class FileTransferService
    {
        /// <summary>Renew before uploading when less than this is left on the URL, so the PUT cannot expire mid-way.</summary>
        internal static readonly TimeSpan MinimumUploadWindow = TimeSpan.FromSeconds(60);
        private const int MaxRenewalsPerUpload = 2;

        private readonly GenesysMessagingApi _api;
        private readonly PresignedUploader _uploader;
        private readonly TransferAudit _audit;
        private readonly TimeProvider _time;
        private readonly TimeSpan _assumedUrlLifetime;
        private readonly ITransferStore _store;
        private readonly IDocumentOutbox? _outbox;
        private readonly TransferLeases _leases;
        private readonly TransferLookup _lookup;
        private readonly DeliveryReconciler _reconciler;

        internal FileTransferService(
            GenesysMessagingApi api,
            PresignedUploader uploader,
            AuditLog audit,
            TimeProvider time,
            TimeSpan assumedUrlLifetime,
            ITransferStore store,
            IDocumentOutbox? outbox,
            TransferLeases leases,
            TransferLookup lookup,
            RequestBudget? budget = null)
        {
            _api = api;
            Poller = new MediaStatusPoller(api, budget, time, audit);
            _uploader = uploader;
            _audit = new TransferAudit(audit);
            _time = time;
            _assumedUrlLifetime = assumedUrlLifetime;
            _store = store;
            _outbox = outbox;
            _leases = leases;
            _lookup = lookup;
            _reconciler = new DeliveryReconciler(api);
        }

        /// <summary>Polls the validation status of every waiting transfer of this connection, a communication at a time.</summary>
        internal MediaStatusPoller Poller { get; }

        /// <summary>The name this connection's leases carry in the journal.</summary>
        public string LeaseOwner => _leases.Owner;

        /// <summary>
        /// The malware scanner every file whose metadata has <see cref="TransferMetadata.VirusScanEnabled"/> must pass
        /// before its media upload is created; null when none is configured (such a file is then refused).
        /// </summary>
        public IMalwareScanner? MalwareScanner { get; internal set; }

        /// <summary>The engine's clock; hosts ask it instead of reading their own.</summary>
        public DateTimeOffset Now => _time.GetUtcNow();

        /// <summary>Checks a file against the policy without sending anything; audited as a validate step.</summary>
        public FileValidationReport Validate(FileCandidate file, FileUploadPolicy policy, bool requireMetadata, string? correlationId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            FileValidationReport report = new FileTransferValidator(policy, requireMetadata).Validate(file, cancellationToken);
            _audit.Validated(report, correlationId, watch.Elapsed);
            return report;
        }

        /// <summary>
        /// Validates the file (throwing <see cref="FileValidationException"/> with every failing field) and opens a
        /// transfer session backed by a Genesys media upload.
        /// </summary>
        /// <remarks>
        /// The same bytes to the same conversation and communication are one transfer, decided by the journal's unique
        /// key, across processes: when the journal already has one it is resumed as it stands (one that still has to
        /// upload gets a fresh upload URL; a delivered one is returned as it is and nothing is sent).
        /// <see cref="CreateTransferRequest.StartNew"/> opens a new transfer regardless.
        /// </remarks>
        public async Task<FileTransfer> CreateAsync(CreateTransferRequest request, CancellationToken cancellationToken)
        {
            FileTransfer transfer = Record(request, cancellationToken);
            using TransferLease lease = await LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            await PrepareUploadLockedAsync(transfer, request.CorrelationId, cancellationToken).ConfigureAwait(false);
            return transfer;
        }

        /// <summary>
        /// Validates the file and records its transfer (Pending) in the journal, or finds the one recorded for the same
        /// bytes and target; nothing is sent to Genesys yet.
        /// </summary>
        internal FileTransfer Record(CreateTransferRequest request, CancellationToken cancellationToken)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            FileValidationReport report = Validate(request.File, request.Policy, request.RequireMetadata, request.CorrelationId, cancellationToken);
            if (!report.IsValid)
            {
                throw new FileValidationException(report);
            }

            FileFacts facts = FileFacts.Compute(request.File.Path, cancellationToken);
            if (facts.Length != report.Length || facts.Length > request.Policy.MaxFileSizeBytes)
            {
                // The limits hold for the bytes actually read, not for what the file system said a moment before.
                throw new TransferStateException($"'{request.File.FileName}' changed while it was checked ({report.Length} bytes when validated, {facts.Length} read); nothing was recorded or sent. Send it again once it no longer changes.");
            }

            DateTimeOffset now = _time.GetUtcNow();
            JournalTransfer fresh = FileTransfer.NewRecord(Guid.NewGuid(), request.ConversationId, request.CommunicationId, facts, request.File.FileName, report.ContentType ?? "application/octet-stream", request.File.Metadata, now);
            // Without a journal (-NoJournal) nothing is resumed: every create is a transfer of its own, as the user asked.
            bool startNew = request.StartNew || _outbox is null;
            JournalTransfer stored = _store.InsertOrGet(fresh, new TransferHistoryEntry(now, "recorded", null, facts.Length + " bytes, SHA-256 " + facts.Sha256), startNew, out bool inserted);
            FileTransfer transfer = _lookup.View(stored);
            transfer.Resumed = !inserted;
            if (!inserted && !string.Equals(transfer.Path, facts.Path, StringComparison.Ordinal))
            {
                // Another process (maybe on another machine) recorded the same bytes from its own folder: the key holds
                // the SHA-256, so this process's file is the same file, and the one it can read.
                transfer.Path = facts.Path;
            }

            return transfer;
        }

        /// <summary>
        /// Streams the bytes to the presigned URL. Opens the media upload first when there is none (or Genesys lost it),
        /// renews when the URL is about to expire, and renews and retries when the storage host says it has expired. A
        /// transfer already uploaded is left as it is.
        /// </summary>
        public async Task<FileTransfer> UploadAsync(FileTransfer transfer, IProgress<long>? progress, string? correlationId, CancellationToken cancellationToken)
        {
            using TransferLease lease = await LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            await UploadLockedAsync(transfer, progress, correlationId, cancellationToken).ConfigureAwait(false);
            return transfer;
        }

        /// <summary>
        /// Renews the upload URL when less than <paramref name="threshold"/> remains (or always with
        /// <paramref name="force"/>). Returns true when a new media upload was opened.
        /// </summary>
        public async Task<bool> RenewIfNeededAsync(FileTransfer transfer, TimeSpan threshold, bool force, string? correlationId, CancellationToken cancellationToken)
        {
            using TransferLease lease = await LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            if (transfer.Status != TransferStatus.Created && transfer.Status != TransferStatus.Failed && transfer.Status != TransferStatus.Pending)
            {
                throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; only a transfer that has not been uploaded yet has an upload URL to renew.");
            }

            TimeSpan remaining = RemainingUploadTime(transfer);
            if (!force && remaining >= threshold)
            {
                return false;
            }

            string reason = force ? "renewal forced" : $"{Math.Max(0, remaining.TotalMinutes):0.#} minutes left, below the {threshold.TotalMinutes:0.#}-minute threshold";
            await OpenMediaLockedAsync(transfer, reason, correlationId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        /// <summary>How long the upload URL this session holds still works; zero when it holds none.</summary>
        public TimeSpan RemainingUploadTime(FileTransfer transfer)
        {
            TimeSpan remaining = (transfer.ExpiresAt ?? DateTimeOffset.MinValue) - _time.GetUtcNow();
            return remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining;
        }

        /// <summary>
        /// Polls Genesys until the media is valid or invalid. An invalid result is returned, not thrown: the caller
        /// decides how to report it. Media Genesys no longer knows (404) moves the transfer to Failed and throws
        /// <see cref="MediaLostException"/>; the next send opens a new media upload for it.
        /// </summary>
        public async Task<FileTransfer> WaitForScanAsync(FileTransfer transfer, ScanWaitOptions options, string? correlationId, CancellationToken cancellationToken)
        {
            using TransferLease lease = await LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            await WaitLockedAsync(transfer, options, correlationId, cancellationToken).ConfigureAwait(false);
            return transfer;
        }

        /// <summary>
        /// Sends the validated media into the conversation, exactly once: a delivered transfer is not sent again, and
        /// one whose earlier send lost its answer is first looked up in the conversation.
        /// </summary>
        public async Task<FileTransfer> DeliverAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            using TransferLease lease = await LeaseAsync(transfer, cancellationToken).ConfigureAwait(false);
            await DeliverLockedAsync(lease, transfer, correlationId, cancellationToken).ConfigureAwait(false);
            return transfer;
        }

        /// <summary>Takes the transfer's lease and refreshes the view from the journal's state.</summary>
        internal async Task<TransferLease> LeaseAsync(FileTransfer transfer, CancellationToken cancellationToken)
        {
            TransferLease lease = await _leases.AcquireAsync(transfer.TransferId, transfer.FileName, cancellationToken).ConfigureAwait(false);
            try
            {
                _lookup.Refresh(transfer, lease.Record);
                return lease;
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }

        /// <summary>
        /// What a resumed or new transfer needs before its upload: a delivered one gets its archive item (a journal of
        /// an earlier version may lack it); one still to upload gets a media upload and URL.
        /// </summary>
        internal async Task PrepareUploadLockedAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            switch (transfer.Status)
            {
                case TransferStatus.Delivered:
                    EnsureArchived(transfer);
                    break;
                case TransferStatus.Pending:
                case TransferStatus.Failed:
                case TransferStatus.Created when transfer.Upload is null:
                    await OpenMediaLockedAsync(transfer, transfer.Resumed ? "resuming transfer " + transfer.TransferId + " from the journal" : null, correlationId, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        internal async Task UploadLockedAsync(FileTransfer transfer, IProgress<long>? progress, string? correlationId, CancellationToken cancellationToken)
        {
            switch (transfer.Status)
            {
                case TransferStatus.Uploaded:
                case TransferStatus.Valid:
                case TransferStatus.Delivering:
                case TransferStatus.DeliveryUnknown:
                case TransferStatus.Delivered:
                    return;
                case TransferStatus.Invalid:
                    throw new TransferStateException($"Genesys marked media {transfer.MediaId} of '{transfer.FileName}' invalid; it cannot be uploaded again. Fix the file and create a new transfer.");
                case TransferStatus.Pending:
                case TransferStatus.Failed:
                    await OpenMediaLockedAsync(transfer, transfer.Status == TransferStatus.Failed ? "starting again after: " + transfer.FailureReason : null, correlationId, cancellationToken).ConfigureAwait(false);
                    break;
            }

            for (int renewals = 0; ; renewals++)
            {
                if (transfer.Upload is null)
                {
                    // Upload URLs are not kept in the journal: their signature is a credential.
                    await OpenMediaLockedAsync(transfer, "the upload URL of an earlier session is not kept", correlationId, cancellationToken).ConfigureAwait(false);
                }
                else if (transfer.ExpiresAt is DateTimeOffset expires && expires - _time.GetUtcNow() < MinimumUploadWindow)
                {
                    await OpenMediaLockedAsync(transfer, "the upload URL expires at " + expires.ToString("u"), correlationId, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    var watch = Stopwatch.StartNew();
                    await _uploader.UploadAsync(transfer, progress, correlationId, cancellationToken).ConfigureAwait(false);
                    Move(transfer, current => TransferTransitions.Uploaded(current, _time.GetUtcNow()));
                    _audit.Uploaded(transfer, correlationId, watch.Elapsed);
                    return;
                }
                catch (UploadUrlExpiredException) when (renewals < MaxRenewalsPerUpload)
                {
                    await OpenMediaLockedAsync(transfer, "the storage host reported the upload URL expired", correlationId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is TransferJournalException) && !(ex is TransferConflictException))
                {
                    try
                    {
                        Move(transfer, current => TransferTransitions.Failed(current, "failed", Redaction.Scrub(ex.Message), _time.GetUtcNow()));
                    }
                    catch (Exception recordFailure) when (recordFailure is TransferJournalException || recordFailure is TransferConflictException)
                    {
                        // The upload's own failure is what the caller needs to hear about; the journal keeps the
                        // previous state, from which a later session opens a new upload anyway.
                    }

                    throw;
                }
            }
        }

        internal async Task WaitLockedAsync(FileTransfer transfer, ScanWaitOptions options, string? correlationId, CancellationToken cancellationToken)
        {
            switch (transfer.Status)
            {
                case TransferStatus.Valid:
                case TransferStatus.Invalid:
                case TransferStatus.Delivering:
                case TransferStatus.DeliveryUnknown:
                case TransferStatus.Delivered:
                    return;
                case TransferStatus.Uploaded:
                    break;
                default:
                    throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; upload it before waiting for Genesys to validate it.");
            }

            var watch = Stopwatch.StartNew();
            for (int poll = 1; ; poll++)
            {
                TimeSpan delay = options.IntervalFor(poll);
                if (watch.Elapsed + delay > options.Timeout)
                {
                    _audit.ScanTimedOut(transfer, poll - 1, correlationId, watch.Elapsed);
                    throw new ScanTimeoutException($"Genesys had not validated media {transfer.MediaId} of '{transfer.FileName}' after {options.Timeout.TotalSeconds:0.#} s ({poll - 1} polls). The upload itself is complete: wait again with 'Wait-GcFileTransferScan -TransferId {transfer.TransferId}', or run the same Send-GcFile command again, which resumes it.");
                }

                // The poller answers at this transfer's own next poll, or sooner when a shared round of its
                // communication (one listing call for every waiting transfer) comes first.
                var pollWatch = Stopwatch.StartNew();
                MessageMediaData media;
                try
                {
                    media = await Poller.NextAsync(transfer, delay, watch.Elapsed, options, correlationId, cancellationToken).ConfigureAwait(false);
                }
                catch (GenesysApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
                {
                    // The media id is gone (Genesys restarted, or the upload was purged): waiting longer changes nothing.
                    string lost = transfer.MediaId!;
                    _audit.MediaLost(transfer, correlationId, watch.Elapsed);
                    Move(transfer, current => TransferTransitions.Failed(current, "media-lost", "Genesys no longer knows media " + lost + " (404); a new media upload replaces it", _time.GetUtcNow()));
                    throw new MediaLostException(transfer.TransferId, lost, $"Genesys no longer knows media {lost} of '{transfer.FileName}'. The transfer is kept: the next Send-GcFile of it opens a new media upload and sends the file again.", ex);
                }

                string status = media.Status ?? "unknown";
                bool done = media.IsValidated;
                _audit.ScanPolled(transfer, poll, status, done, options.IntervalFor(poll + 1), correlationId, pollWatch.Elapsed);
                if (!done)
                {
                    continue;
                }

                bool valid = status == "valid";
                transfer.DetectedMediaType = media.MediaType;
                Move(transfer, current => TransferTransitions.Scanned(
                    current,
                    valid,
                    valid ? null : "Genesys marked the media invalid: its type is not allowed by the organization's supported-content profile, the bytes do not match the declared type, or the content was blocked.",
                    _time.GetUtcNow()));
                _audit.ScanFinished(transfer, poll, status, valid, correlationId, watch.Elapsed);
                return;
            }
        }

        internal async Task DeliverLockedAsync(TransferLease lease, FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            switch (transfer.Status)
            {
                case TransferStatus.Delivered:
                    EnsureArchived(transfer);
                    return;
                case TransferStatus.Delivering:
                case TransferStatus.DeliveryUnknown:
                    // An earlier send may have reached Genesys: settle that before anything is sent again.
                    if (await ReconcileLockedAsync(transfer, correlationId, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    break;
                case TransferStatus.Valid:
                    break;
                default:
                    throw new TransferStateException($"'{transfer.FileName}' is {transfer.Status}; only media Genesys validated can be delivered{(transfer.Status == TransferStatus.Uploaded ? " (wait for the scan first)" : string.Empty)}.");
            }

            if (!lease.Renew() || !lease.IsValid)
            {
                throw new TransferBusyException(transfer.TransferId, lease.Owner, $"'{transfer.FileName}': this process lost its claim on transfer {transfer.TransferId} (it was paused longer than the lease); nothing was sent. Run the command again.");
            }

            // Intent before side effect: once this is recorded, nobody sends this media again without asking Genesys first.
            Move(transfer, current => TransferTransitions.Delivering(current, lease.Owner, _time.GetUtcNow()));
            var watch = Stopwatch.StartNew();
            MessageData message;
            try
            {
                message = await _api.SendMediaAsync(transfer.ConversationId, transfer.CommunicationId, transfer.MediaId!, Context(AuditOperations.Deliver, transfer, correlationId), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is TransferJournalException))
            {
                if (ProvesNotDelivered(ex, cancellationToken))
                {
                    var refused = (GenesysApiException)ex;
                    _audit.DeliveryRefused(transfer, refused, correlationId, watch.Elapsed);
                    Move(transfer, current => (int)refused.StatusCode == 400
                        ? TransferTransitions.Failed(current, "delivery-refused", "Genesys refused to send media " + current.MediaId + " (" + refused.ErrorCode + "); a new media upload replaces it", _time.GetUtcNow())
                        : TransferTransitions.NotDelivered(current, "delivery-refused", "Genesys refused the send (" + (int)refused.StatusCode + " " + refused.ErrorCode + "); nothing was delivered", _time.GetUtcNow()));
                    throw;
                }

                _audit.DeliveryUnknown(transfer, ex, correlationId, watch.Elapsed);
                string reason = "the answer to the send was lost (" + Describe(ex) + ")";
                Move(transfer, current => TransferTransitions.OutcomeUnknown(current, reason, _time.GetUtcNow()));
                string readBack = string.Empty;
                if (!cancellationToken.IsCancellationRequested)
                {
                    bool settled;
                    try
                    {
                        settled = await ReconcileLockedAsync(transfer, correlationId, cancellationToken, sendAfter: false).ConfigureAwait(false);
                    }
                    catch (DeliveryOutcomeUnknownException unread)
                    {
                        // Say why the conversation could not be read (a missing permission fails every rerun the same way).
                        settled = false;
                        readBack = " Reading the conversation back failed too (" + Describe(unread.InnerException ?? unread) + ")." + PermissionHint(unread.InnerException);
                    }

                    if (settled)
                    {
                        return;
                    }
                }

                throw new DeliveryOutcomeUnknownException(
                    transfer.TransferId,
                    $"'{transfer.FileName}': the send into conversation {transfer.ConversationId} may or may not have reached Genesys ({Describe(ex)}).{readBack} " +
                    $"Nothing is sent again until the conversation shows it does not hold media {transfer.MediaId}: run the same command again to check and finish (transfer {transfer.TransferId}).",
                    ex is OperationCanceledException ? null : ex);
            }

            Move(transfer, current => TransferTransitions.Delivered(current, message.Id, "delivered", null, _time.GetUtcNow()), ArchiveItem);
            _audit.Delivered(transfer, message.Id, correlationId, watch.Elapsed);
        }

        /// <summary>
        /// Reads the conversation back. Found: the transfer is Delivered with that message, recorded as reconciled (true).
        /// Not found: back to Valid, safe to send (false). The read failing: the outcome stays unknown and
        /// <see cref="DeliveryOutcomeUnknownException"/> says what is needed.
        /// </summary>
        private async Task<bool> ReconcileLockedAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken, bool sendAfter = true)
        {
            var watch = Stopwatch.StartNew();
            ReconcileResult result;
            try
            {
                result = await _reconciler.FindDeliveryAsync(transfer, correlationId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is GenesysApiException || ex is GenesysTransportException)
            {
                _audit.ReconcileFailed(transfer, ex, correlationId, watch.Elapsed);
                string permission = PermissionHint(ex);
                throw new DeliveryOutcomeUnknownException(
                    transfer.TransferId,
                    $"'{transfer.FileName}': an earlier send of media {transfer.MediaId} may have reached conversation {transfer.ConversationId}, and the conversation could not be read to find out: {ex.Message}.{permission} Nothing was sent; run the command again (transfer {transfer.TransferId}).",
                    ex);
            }

            _audit.Reconciled(transfer, result.MessageId, result.MessagesRead, correlationId, watch.Elapsed);
            if (result.Found)
            {
                Move(transfer, current => TransferTransitions.Delivered(current, result.MessageId, "reconciled-delivered", "the conversation holds message " + result.MessageId + " with this media; not sent again", _time.GetUtcNow()), ArchiveItem);
                return true;
            }

            if (sendAfter)
            {
                Move(transfer, current => TransferTransitions.NotDelivered(current, "reconciled-not-delivered", "the conversation holds no message with media " + current.MediaId + " (" + result.MessagesRead + " read)", _time.GetUtcNow()));
            }

            return false;
        }

        /// <summary>Opens a (new) media upload for the transfer: the first one, or a renewal that replaces the current media.</summary>
        internal async Task OpenMediaLockedAsync(FileTransfer transfer, string? reason, string? correlationId, CancellationToken cancellationToken)
        {
            bool first = transfer.MediaId is null;
            if (first)
            {
                // Nothing is created at Genesys before the bytes have passed the scanner (when the transfer asks for one).
                await ScanBeforeCreateLockedAsync(transfer, correlationId, cancellationToken).ConfigureAwait(false);
            }

            string operation = first ? AuditOperations.Create : AuditOperations.Renew;
            var watch = Stopwatch.StartNew();
            MessageMediaUploadData data;
            try
            {
                data = await _api.CreateUploadAsync(
                    transfer.ConversationId,
                    transfer.CommunicationId,
                    new UploadMediaRequest { FileName = transfer.FileName, ContentLengthBytes = transfer.Length, ContentMd5 = transfer.ContentMd5 },
                    Context(operation, transfer, correlationId),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (GenesysApiException ex)
            {
                _audit.ApiFailed(transfer, operation, ex, correlationId, watch.Elapsed);
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
            string? old = transfer.MediaId;
            string detail = (reason is null ? string.Empty : reason + "; ") + (old is null ? string.Empty : "replaces media " + old + "; ")
                + "upload URL expires " + upload.ExpiresAt.ToString("u") + (known ? string.Empty : " (assumed)");
            Move(transfer, current => TransferTransitions.MediaOpened(current, data.Id!, first ? "created" : "renewed", detail, now));
            transfer.HoldUpload(data.Id!, upload);
            _audit.MediaOpened(
                transfer,
                operation,
                upload,
                first ? reason : (reason ?? "renewed") + (old is null ? string.Empty : "; replaces media " + old),
                first ? JsonSerializer.Serialize(transfer.Metadata, Json.Options) : null,
                correlationId,
                watch.Elapsed);
        }

        /// <summary>
        /// Scans the transfer's file with the configured scanner when its metadata asks for it, and records the verdict
        /// in the transfer's history and the audit log. Infected: the transfer becomes Invalid and
        /// <see cref="FileInfectedException"/> is thrown. No scanner, or one that gives no verdict: throws, and the
        /// transfer stays as it was, so a later run scans again.
        /// </summary>
        internal async Task ScanBeforeCreateLockedAsync(FileTransfer transfer, string? correlationId, CancellationToken cancellationToken)
        {
            if (!transfer.Metadata.VirusScanEnabled)
            {
                _audit.MalwareScanSkipped(transfer, correlationId);
                return;
            }

            IMalwareScanner? scanner = MalwareScanner;
            if (scanner is null)
            {
                var missing = new MalwareScannerNotConfiguredException(
                    $"'{transfer.FileName}' (transfer {transfer.TransferId}) asks for a malware scan (VirusScanEnabled), but no malware scanner is configured; nothing was sent. " +
                    "Connect with -MalwareScanner tcp://host:3310 (ClamAV's clamd), or send it with -VirusScanEnabled $false.");
                _audit.MalwareScanFailed(transfer, "MalwareScannerNotConfigured", missing.Message, null, correlationId, TimeSpan.Zero);
                throw missing;
            }

            var watch = Stopwatch.StartNew();
            ScanVerdict verdict;
            try
            {
                verdict = await scanner.ScanFileAsync(transfer.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (MalwareScannerUnavailableException ex)
            {
                _audit.MalwareScanFailed(transfer, "MalwareScannerUnavailable", ex.Message, scanner.Description, correlationId, watch.Elapsed);
                throw;
            }
            catch (MalwareScanFailedException ex)
            {
                _audit.MalwareScanFailed(transfer, ex.ErrorCode, ex.Message, scanner.Description, correlationId, watch.Elapsed);
                throw;
            }

            if (!verdict.Infected && verdict.Bytes != transfer.Length)
            {
                // The scanner saw other bytes than were recorded: the file changed, and what would be sent is unscanned.
                var changed = new MalwareScanFailedException(
                    "MalwareScanFailed",
                    $"'{transfer.FileName}' changed since it was recorded ({verdict.Bytes} bytes scanned, {transfer.Length} recorded); nothing was sent. Create a new transfer for the new content.");
                _audit.MalwareScanFailed(transfer, changed.ErrorCode, changed.Message, scanner.Description, correlationId, watch.Elapsed);
                throw changed;
            }

            DateTimeOffset now = _time.GetUtcNow();
            Move(transfer, current => TransferTransitions.MalwareScanned(current, verdict, now));
            _audit.MalwareScanned(transfer, verdict, correlationId, watch.Elapsed);
            if (verdict.Infected)
            {
                throw new FileInfectedException(
                    transfer.Path,
                    verdict,
                    transfer.TransferId,
                    $"'{transfer.FileName}' carries malware ({verdict.Signature}, found by {verdict.Scanner}); it was not sent and nothing was created at Genesys (transfer {transfer.TransferId}). Remove or clean the file.");
            }
        }

        /// <summary>
        /// Applies one transition to the journal with the version this view was refreshed from, then refreshes the view.
        /// Throws <see cref="TransferConflictException"/> when another process moved the transfer first.
        /// </summary>
        private void Move(FileTransfer transfer, Func<JournalTransfer, TransferTransitions.Step> transition, Func<JournalTransfer, OutboxItem?>? archive = null)
        {
            // The view's own copy of the row at its version: no read before the step. If another process moved the
            // transfer since, the compare-and-set below fails on the version, exactly as a fresh read would have.
            JournalTransfer current = transfer.RecordCopy() ?? _store.GetTransfer(transfer.TransferId)
                ?? throw new TransferStateException($"Transfer {transfer.TransferId} ('{transfer.FileName}') is no longer in the journal.");
            if (current.Version != transfer.Version)
            {
                _lookup.Refresh(transfer, current);
                throw new TransferConflictException(transfer.TransferId, $"'{transfer.FileName}' (transfer {transfer.TransferId}) was moved on by another process ({current.Status} now, by {current.LeaseOwner ?? "a process whose lease ended"}); this one stopped without acting. Run the command again.");
            }

            TransferTransitions.Step step = transition(current);
            JournalTransfer? stored = _store.TryTransition(step.Next, current.Version, step.Entry, archive?.Invoke(step.Next));
            if (stored is null)
            {
                JournalTransfer? now = _store.GetTransfer(transfer.TransferId);
                if (now != null)
                {
                    _lookup.Refresh(transfer, now);
                }

                throw new TransferConflictException(transfer.TransferId, $"'{transfer.FileName}' (transfer {transfer.TransferId}) was moved on by another process while this one worked on it; this one stopped without acting further. Run the command again.");
            }

            // The history is the view's plus the entry just stored (the version moved by exactly this step); no re-read.
            if (!transfer.TryAdvance(stored, step.Entry, _lookup.Location))
            {
                _lookup.Refresh(transfer, stored);
            }
        }

        /// <summary>A delivered transfer of an older journal may lack its archive item; its key makes this a no-op otherwise.</summary>
        private void EnsureArchived(FileTransfer transfer)
        {
            JournalTransfer? record = _outbox is null ? null : _store.GetTransfer(transfer.TransferId);
            OutboxItem? item = record is null ? null : ArchiveItem(record);
            if (item != null)
            {
                _outbox!.Enqueue(item);
            }
        }

        /// <summary>The document-management outbox entry of a delivered transfer; null without a journal.</summary>
        private OutboxItem? ArchiveItem(JournalTransfer delivered)
        {
            if (_outbox is null)
            {
                return null;
            }

            DateTimeOffset now = _time.GetUtcNow();
            return new OutboxItem
            {
                DocumentKey = "transfer/" + delivered.TransferId.ToString("D"),
                Kind = "transfer",
                TransferId = delivered.TransferId,
                ConversationId = delivered.ConversationId,
                MessageId = delivered.MessageId,
                Source = delivered.FilePath,
                FileName = delivered.FileName,
                ContentType = delivered.ContentType,
                Sha256 = delivered.Sha256,
                Length = delivered.Length,
                MetadataJson = delivered.MetadataJson,
                State = OutboxState.Pending,
                EnqueuedAt = now,
                NextAttemptAt = now,
            };
        }

        /// <summary>
        /// True when the failure proves Genesys did not act on the send: it answered with a status that means "not
        /// processed" (4xx other than 408, or 503), or the connection was never made. Everything else (500, 502, 504,
        /// 408, a timeout, a dropped connection, a cancellation while the request may have left) is unknown.
        /// </summary>
        private static bool ProvesNotDelivered(Exception ex, CancellationToken cancellationToken)
        {
            if (ex is GenesysApiException api && !(ex is AuthenticationFailedException))
            {
                int status = (int)api.StatusCode;
                return (status >= 400 && status < 500 && status != 408) || RetryClassifier.IsUnprocessedStatus(api.StatusCode);
            }

            return false;
        }

        private static string PermissionHint(Exception? ex) =>
            ex is GenesysApiException api && (api.StatusCode == HttpStatusCode.Forbidden || api.StatusCode == HttpStatusCode.Unauthorized)
                ? " The OAuth client needs the permission conversation:message:view to read the conversation."
                : string.Empty;

        private static string Describe(Exception ex) => ex switch
        {
            GenesysApiException api => "HTTP " + (int)api.StatusCode + " " + api.ErrorCode,
            OperationCanceledException _ => "the command was stopped while the request was on its way",
            _ => Redaction.Scrub(ex.Message),
        };

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
