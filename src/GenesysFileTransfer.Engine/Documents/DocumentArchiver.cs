using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>Audit names of the document-management steps; stable strings because log queries depend on them.</summary>
    public static class DocumentAuditOperations
    {
        /// <summary>One attempt to archive one outbox item (outcome success, retry or cancelled).</summary>
        public const string Archive = "archive";
    }

    /// <summary>
    /// The outbox processor. It claims due items from the journal under a lease, fetches each document (a local file
    /// or the attachment URL), verifies its SHA-256, stores it in an <see cref="IDocumentSink"/> and marks it archived.
    /// A failure puts the item back with an exponential, jittered and capped delay, so when the store is down the
    /// work waits in the outbox and nothing is lost; the deterministic key and the sink's idempotency make a repeat
    /// (after a crash, a lost lease or a lost acknowledgement) store nothing twice. Every attempt is audited with the
    /// latency from receipt (enqueue) to archive.
    /// </summary>
    public sealed class DocumentArchiver
    {
        private readonly IDocumentOutbox _outbox;
        private readonly IDocumentSink _sink;
        private readonly AuditLog _audit;
        private readonly DocumentArchiverOptions _options;
        private readonly TimeProvider _time;
        private readonly ITransferStore? _transfers;
        private readonly IMediaLocator? _mediaLocator;
        private readonly Random _jitter = new Random();
        private readonly object _jitterGate = new object();

        /// <summary>
        /// On the system clock. The cmdlets use this one: a call that names TimeProvider, even by a defaulted
        /// parameter, makes the calling assembly reference Microsoft.Bcl.TimeProvider, and the cmdlet assembly must
        /// reference no third-party library (it loads in PowerShell's default load context).
        /// </summary>
        public DocumentArchiver(
            IDocumentOutbox outbox,
            IDocumentSink sink,
            AuditLog audit,
            DocumentArchiverOptions options,
            ITransferStore? transfers,
            IMediaLocator? mediaLocator)
            : this(outbox, sink, audit, options, null, transfers, mediaLocator)
        {
        }

        /// <param name="transfers">The journal's transfers, to find a transfer's delivered media when its file is gone.</param>
        /// <param name="mediaLocator">
        /// Asks Genesys where a delivered media can be downloaded (a connection's <c>MediaLocator</c>); without it, a
        /// transfer whose file is gone (and whose callback URL no longer works) is set aside as source-missing.
        /// </param>
        public DocumentArchiver(
            IDocumentOutbox outbox,
            IDocumentSink sink,
            AuditLog audit,
            DocumentArchiverOptions? options = null,
            TimeProvider? time = null,
            ITransferStore? transfers = null,
            IMediaLocator? mediaLocator = null)
        {
            _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
            _sink = sink ?? throw new ArgumentNullException(nameof(sink));
            _audit = audit ?? throw new ArgumentNullException(nameof(audit));
            _options = options ?? new DocumentArchiverOptions();
            _time = time ?? TimeProvider.System;
            _transfers = transfers;
            _mediaLocator = mediaLocator;
            if (string.IsNullOrWhiteSpace(_options.WorkerId))
            {
                throw new ArgumentException("The archiver needs a worker id.", nameof(options));
            }

            if (_options.Lease <= TimeSpan.Zero)
            {
                throw new ArgumentException("The lease must be positive.", nameof(options));
            }
        }

        public string WorkerId => _options.WorkerId;

        /// <summary>
        /// Archives due items one after another until none is due, <paramref name="maxItems"/> have been tried, or
        /// the store keeps failing (<see cref="DocumentArchiverOptions.StopAfterConsecutiveSinkFailures"/>). Each
        /// item's outcome goes to <paramref name="onOutcome"/> as it happens; a failed item never stops the others.
        /// </summary>
        public async Task<DocumentDrainSummary> DrainAsync(int? maxItems, Action<DocumentArchiveOutcome>? onOutcome, CancellationToken cancellationToken)
        {
            var summary = new DocumentDrainSummary();
            int tried = 0;
            int sinkFailuresInARow = 0;
            while (maxItems is null || tried < maxItems.Value)
            {
                cancellationToken.ThrowIfCancellationRequested();
                DocumentArchiveOutcome? outcome = await ArchiveNextAsync(cancellationToken).ConfigureAwait(false);
                if (outcome is null)
                {
                    break;
                }

                tried++;
                if (outcome.Quarantined)
                {
                    summary.Quarantined++;
                    sinkFailuresInARow = 0;
                }
                else if (outcome.Succeeded)
                {
                    summary.Archived++;
                    sinkFailuresInARow = 0;
                }
                else if (outcome.LeaseLost)
                {
                    summary.LeaseLost++;
                }
                else if (outcome.SourceMissing)
                {
                    // The document's own problem: says nothing about the store.
                    summary.SourceMissing++;
                    sinkFailuresInARow = 0;
                }
                else
                {
                    summary.Failed++;
                    // A store that is down, refuses access or lacks credentials fails every document alike; one
                    // document's own problem (its source, its content, a conflict) says nothing about the next.
                    sinkFailuresInARow = outcome.Error is DocumentSinkException ? sinkFailuresInARow + 1 : 0;
                }

                onOutcome?.Invoke(outcome);
                int limit = _options.StopAfterConsecutiveSinkFailures;
                if (limit > 0 && sinkFailuresInARow >= limit)
                {
                    summary.StoppedBecause =
                        $"The document store ({_sink.Description}) failed {sinkFailuresInARow} documents in a row (last: {outcome.Error!.ErrorCode}); the rest stay in the outbox for the next run.";
                    break;
                }
            }

            return summary;
        }

        /// <summary>
        /// What a run would try now, by the archiver's clock: pending, due, not leased, oldest first, at most
        /// <paramref name="maxItems"/>. Other workers may take some of them before this one does.
        /// </summary>
        public IReadOnlyList<OutboxItem> DueItems(int? maxItems)
        {
            DateTimeOffset now = _time.GetUtcNow();
            IEnumerable<OutboxItem> due = _outbox.GetOutbox(OutboxState.Pending)
                .Where(i => i.NextAttemptAt <= now && (i.LeaseUntil is null || i.LeaseUntil <= now))
                .OrderBy(i => i.NextAttemptAt).ThenBy(i => i.EnqueuedAt);
            return (maxItems is int max ? due.Take(Math.Max(0, max)) : due).ToList();
        }

        /// <summary>Claims and archives the next due item; null when none is due.</summary>
        public async Task<DocumentArchiveOutcome?> ArchiveNextAsync(CancellationToken cancellationToken)
        {
            OutboxItem? item = _outbox.ClaimNext(_options.WorkerId, _time.GetUtcNow(), _options.Lease);
            return item is null ? null : await ArchiveClaimedAsync(item, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Archives an item this worker has claimed (<see cref="IDocumentOutbox.ClaimNext"/>).</summary>
        public async Task<DocumentArchiveOutcome> ArchiveClaimedAsync(OutboxItem item, CancellationToken cancellationToken)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }

            // The journal counts claims, so a claimed item's Attempts is the number of this attempt.
            int attempt = Math.Max(1, item.Attempts);
            var outcome = new DocumentArchiveOutcome(item.DocumentKey, item.FileName, attempt);
            Stopwatch watch = Stopwatch.StartNew();
            StagedContent? staged = null;
            try
            {
                string staging = _options.ResolveStagingDirectory();
                Staging fetched = await StageAsync(item, staging, cancellationToken).ConfigureAwait(false);
                staged = fetched.Content;
                Verify(item, staged);
                if (_options.MalwareScanner is Scanning.IMalwareScanner scanner)
                {
                    Scanning.ScanVerdict verdict = await ScanAsync(item, scanner, staged, cancellationToken).ConfigureAwait(false);
                    if (verdict.Infected)
                    {
                        // Never stored and never tried again: set aside, visible with the signature, and audited.
                        DateTimeOffset at = _time.GetUtcNow();
                        string reason = "FileInfected: " + verdict.Signature + " (" + verdict.Scanner + ")";
                        var infected = new DocumentQuarantinedException(item.DocumentKey, verdict, $"Document '{item.DocumentKey}' ('{item.FileName}') carries malware ({verdict.Signature}, found by {verdict.Scanner}); it was quarantined, not archived.");
                        outcome.Error = infected;
                        if (!_outbox.MarkQuarantined(item.DocumentKey, _options.WorkerId, reason, at))
                        {
                            outcome.LeaseLost = true;
                        }

                        outcome.Quarantined = true;
                        Write(item, attempt, AuditOutcomes.Refused, "quarantined", at - item.EnqueuedAt, watch.Elapsed, null, staged, "FileInfected", "signature " + verdict.Signature + " found by " + verdict.Scanner, null);
                        return outcome;
                    }

                    fetched = new Staging(staged, fetched.From, (fetched.Note is null ? string.Empty : fetched.Note + "; ") + "scanned clean by " + verdict.Scanner);
                }

                DocumentMetadata metadata = DocumentMetadata.FromOutboxItem(item, staged.Sha256, staged.Length, _time.GetUtcNow());
                if (fetched.From != null)
                {
                    // The sidecar says where the bytes really came from (a URL without its query).
                    metadata.Source = DocumentMetadata.SafeSource(fetched.From);
                }
                DocumentToStore document = DocumentToStore.FromFile(item.DocumentKey, item.FileName, staged.Sha256, staged.Path, metadata, staged.Md5);
                StoredDocument stored = await _sink.StoreAsync(document, cancellationToken).ConfigureAwait(false);

                DateTimeOffset archivedAt = _time.GetUtcNow();
                bool recorded = _outbox.MarkArchived(item.DocumentKey, _options.WorkerId, stored.Location, archivedAt);
                TimeSpan latency = archivedAt - item.EnqueuedAt;
                if (!recorded)
                {
                    outcome.LeaseLost = true;
                    Write(item, attempt, AuditOutcomes.Success, "stored-unrecorded", latency, watch.Elapsed, stored.Location, staged, errorCode: null,
                        detail: "the lease had passed to another worker, which records the document", retryAfter: null);
                    return outcome;
                }

                outcome.Document = new ArchivedDocument
                {
                    DocumentKey = item.DocumentKey,
                    Kind = item.Kind,
                    FileName = item.FileName,
                    Location = stored.Location,
                    Sha256 = stored.Sha256,
                    Length = staged.Length,
                    TransferId = item.TransferId,
                    ConversationId = item.ConversationId,
                    MessageId = item.MessageId,
                    AttachmentId = item.AttachmentId,
                    EnqueuedAt = item.EnqueuedAt,
                    ArchivedAt = archivedAt,
                    Latency = latency,
                    Attempt = attempt,
                    AlreadyStored = !stored.Created,
                    Repaired = stored.Repaired,
                    Sink = _sink.Description,
                };
                Write(item, attempt, AuditOutcomes.Success, stored.Repaired ? "repaired" : stored.Created ? "archived" : "already-stored", latency, watch.Elapsed, stored.Location, staged, errorCode: null, detail: fetched.Note, retryAfter: null);
                return outcome;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped by the user: hand the item back at once rather than make the next run wait out the lease.
                DateTimeOffset now = _time.GetUtcNow();
                _outbox.MarkRetry(item.DocumentKey, _options.WorkerId, "cancelled", now);
                Write(item, attempt, AuditOutcomes.Cancelled, "pending", now - item.EnqueuedAt, watch.Elapsed, null, staged, "Cancelled", null, null);
                throw;
            }
            catch (Exception ex) when (!(ex is TransferJournalException))
            {
                DocumentArchiveException failure = ex as DocumentArchiveException
                    ?? new DocumentArchiveException("DocumentArchiveFailed", $"Document '{item.DocumentKey}' could not be archived: {Redaction.Scrub(ex.Message)}", isTransient: false, ex);
                DateTimeOffset now = _time.GetUtcNow();
                if (failure is DocumentSourceException source && source.NotFound)
                {
                    // Retrying cannot bring the bytes back: set the item aside, visible with its reason, until someone
                    // puts the file back and resets it, or abandons it.
                    string reason = failure.ErrorCode + ": " + Redaction.Scrub(failure.Message);
                    _outbox.MarkSourceMissing(item.DocumentKey, _options.WorkerId, reason, now);
                    outcome.Error = failure;
                    outcome.SourceMissing = true;
                    Write(item, attempt, AuditOutcomes.Failure, "source-missing", now - item.EnqueuedAt, watch.Elapsed, null, staged, failure.ErrorCode, failure.Message, null);
                    return outcome;
                }

                TimeSpan delay = Backoff(attempt);
                DateTimeOffset next = now + delay;
                _outbox.MarkRetry(item.DocumentKey, _options.WorkerId, failure.ErrorCode + ": " + Redaction.Scrub(failure.Message), next);
                outcome.Error = failure;
                outcome.NextAttemptAt = next;
                Write(item, attempt, AuditOutcomes.Retry, "pending", now - item.EnqueuedAt, watch.Elapsed, null, staged, failure.ErrorCode, failure.Message, delay);
                return outcome;
            }
            finally
            {
                staged?.Dispose();
            }
        }

        /// <summary>
        /// Fetches the item's bytes from its source; when a transfer's local file is gone, from the callback's attachment
        /// URL, then from the media's current download URL as Genesys gives it. Throws a not-found
        /// <see cref="DocumentSourceException"/> only when every way is known to be closed; a way that failed for a
        /// passing reason (network, 5xx) makes it a transient failure instead, so the item is tried again.
        /// </summary>
        private async Task<Staging> StageAsync(OutboxItem item, string staging, CancellationToken cancellationToken)
        {
            HttpClient http = _options.HttpClient ?? DocumentSource.DefaultClient;
            DocumentSourceException missing;
            try
            {
                return new Staging(await DocumentSource.StageAsync(item, staging, http, _options, cancellationToken).ConfigureAwait(false), null, null);
            }
            catch (DocumentSourceException ex) when (ex.NotFound && !DocumentSource.IsUrl(item.Source, out _))
            {
                missing = ex;
            }

            var reasons = new List<string> { missing.Message };
            DocumentSourceException? passing = null;
            if (DocumentSource.IsUrl(item.FallbackSource, out _))
            {
                try
                {
                    StagedContent content = await DocumentSource.StageAsync(item, item.FallbackSource!, staging, http, _options, cancellationToken).ConfigureAwait(false);
                    return new Staging(content, item.FallbackSource, "the local file is gone; fetched from the callback's attachment URL");
                }
                catch (DocumentSourceException ex)
                {
                    reasons.Add("the callback's attachment URL failed: " + ex.Message);
                    passing = ex.IsTransient ? ex : passing;
                }
            }

            if (item.Kind == "transfer" && item.TransferId is Guid transferId)
            {
                JournalTransfer? transfer = _transfers?.GetTransfer(transferId);
                string? mediaId = transfer?.MediaId ?? item.AttachmentId;
                if (_mediaLocator is null || _transfers is null)
                {
                    reasons.Add("there is no Genesys connection to fetch the delivered media from");
                }
                else if (transfer is null || string.IsNullOrEmpty(mediaId) || string.IsNullOrEmpty(transfer.CommunicationId))
                {
                    reasons.Add("the journal does not say which Genesys media the transfer delivered");
                }
                else
                {
                    Uri? url;
                    try
                    {
                        url = await _mediaLocator.LocateAsync(
                            new MediaReference(transfer.ConversationId, transfer.CommunicationId, mediaId!) { TransferId = transferId, CorrelationId = _options.CorrelationId },
                            cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception ex) when (!(ex is TransferJournalException))
                    {
                        throw new DocumentSourceException(
                            "DocumentSourceUnavailable",
                            $"Document '{item.DocumentKey}': the local file is gone, and Genesys could not be asked for media {mediaId}: {Redaction.Scrub(ex.Message)}",
                            isTransient: true);
                    }

                    if (url is null)
                    {
                        reasons.Add($"Genesys no longer serves media {mediaId}");
                    }
                    else
                    {
                        // A failure here is reported as it is: 404/410 sets the item aside, anything else retries.
                        StagedContent content = await DocumentSource.StageAsync(item, url.AbsoluteUri, staging, http, _options, cancellationToken).ConfigureAwait(false);
                        return new Staging(content, url.AbsoluteUri, $"the local file is gone; fetched media {mediaId} from Genesys");
                    }
                }
            }

            if (passing != null)
            {
                throw new DocumentSourceException(passing.ErrorCode, string.Join("; ", reasons) + ".", isTransient: true);
            }

            throw new DocumentSourceException(missing.ErrorCode, string.Join("; ", reasons) + ".", isTransient: false, notFound: true);
        }

        private static async Task<Scanning.ScanVerdict> ScanAsync(OutboxItem item, Scanning.IMalwareScanner scanner, StagedContent staged, CancellationToken cancellationToken)
        {
            try
            {
                return await scanner.ScanFileAsync(staged.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (Scanning.MalwareScannerUnavailableException ex)
            {
                // Nothing is known about the bytes: the document waits in the outbox until the scanner answers.
                throw new DocumentArchiveException("MalwareScannerUnavailable", $"Document '{item.DocumentKey}' was not archived: {ex.Message}", isTransient: true);
            }
            catch (Scanning.MalwareScanFailedException ex)
            {
                throw new DocumentArchiveException(ex.ErrorCode, $"Document '{item.DocumentKey}' was not archived: {ex.Message}", isTransient: false);
            }
        }

        /// <summary>Staged bytes, and (when not the item's own source) where they came from and a note for the audit record.</summary>
        private sealed class Staging
        {
            public Staging(StagedContent content, string? from, string? note)
            {
                Content = content;
                From = from;
                Note = note;
            }

            public StagedContent Content { get; }
            public string? From { get; }
            public string? Note { get; }
        }

        /// <summary>
        /// The wait before attempt <paramref name="attempt"/> + 1: the base delay doubled per attempt, capped, of
        /// which a random half is taken off ("equal jitter"), so many items failing together do not all come back at
        /// the same instant.
        /// </summary>
        public TimeSpan Backoff(int attempt)
        {
            double baseMs = Math.Max(0, _options.RetryBaseDelay.TotalMilliseconds);
            double capMs = Math.Max(baseMs, _options.RetryMaxDelay.TotalMilliseconds);
            double exponential = baseMs * Math.Pow(2, Math.Min(30, Math.Max(0, attempt - 1)));
            double capped = Math.Min(capMs, exponential);
            double random;
            lock (_jitterGate)
            {
                random = _jitter.NextDouble();
            }

            return TimeSpan.FromMilliseconds((capped / 2) + (random * capped / 2));
        }

        private static void Verify(OutboxItem item, StagedContent staged)
        {
            if (!string.IsNullOrEmpty(item.Sha256) && !string.Equals(item.Sha256, staged.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentIntegrityException(
                    item.DocumentKey,
                    $"the content read has SHA-256 {staged.Sha256}, but {item.Sha256} was recorded when it was enqueued; it was not archived.");
            }

            if (item.Length is long length && length != staged.Length)
            {
                throw new DocumentIntegrityException(
                    item.DocumentKey,
                    $"the content read has {staged.Length} bytes, but {length} were recorded when it was enqueued; it was not archived.");
            }
        }

        private void Write(
            OutboxItem item,
            int attempt,
            string outcome,
            string status,
            TimeSpan sinceReceipt,
            TimeSpan attemptDuration,
            string? location,
            StagedContent? staged,
            string? errorCode,
            string? detail,
            TimeSpan? retryAfter)
        {
            string text = $"key {item.DocumentKey}; {item.Kind}; attempt took {attemptDuration.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms; worker {_options.WorkerId}; sink {_sink.Description}";
            if (!string.IsNullOrEmpty(item.AttachmentId))
            {
                text += "; attachment " + item.AttachmentId;
            }

            if (!string.IsNullOrEmpty(item.MessageId))
            {
                text += "; message " + item.MessageId;
            }

            if (!string.IsNullOrEmpty(detail))
            {
                text += "; " + detail;
            }

            _audit.Write(new AuditRecord(DocumentAuditOperations.Archive, outcome)
            {
                TransferId = item.TransferId,
                ConversationId = item.ConversationId,
                CorrelationId = _options.CorrelationId,
                FileName = item.FileName,
                Status = status,
                Target = location ?? DocumentMetadata.SafeSource(item.Source),
                Attempt = attempt,
                LatencyMs = sinceReceipt.TotalMilliseconds,
                Bytes = staged?.Length ?? item.Length,
                Sha256 = staged?.Sha256 ?? item.Sha256,
                ErrorCode = errorCode,
                RetryAfterSeconds = retryAfter?.TotalSeconds,
                Detail = text,
            });
        }
    }
}
