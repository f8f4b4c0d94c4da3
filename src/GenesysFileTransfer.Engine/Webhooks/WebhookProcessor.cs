using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>Audit vocabulary of the callback receiver; stable because log queries depend on it.</summary>
    public static class WebhookAuditOperations
    {
        /// <summary>One record per callback, whatever became of it.</summary>
        public const string Receive = "webhook";

        /// <summary>One record per attachment newly put in the outbox.</summary>
        public const string Enqueue = "enqueue";

        /// <summary>
        /// The listener could not deliver the answer to a callback it had processed: the sender hung up first. One
        /// record besides the callback's own <see cref="Receive"/> record, outcome cancelled.
        /// </summary>
        public const string AnswerUndelivered = "webhook-answer";

        /// <summary>The audit outcome of an acknowledged repeat (the other outcomes are <see cref="AuditOutcomes"/>).</summary>
        public const string DuplicateOutcome = "duplicate";
    }

    /// <summary>Where a callback came from, for the latency and the audit record; every field optional.</summary>
    public sealed class WebhookRequestInfo
    {
        public string? Method { get; set; }

        /// <summary>The request path, without query string.</summary>
        public string? Target { get; set; }

        public string? RemoteAddress { get; set; }

        /// <summary><see cref="Stopwatch.GetTimestamp"/> when the request arrived, so reading the body counts in the latency.</summary>
        public long? StartTimestamp { get; set; }
    }

    /// <summary>
    /// Verifies and records one callback. It only does what must happen before the answer: verify the signature on
    /// the raw bytes, then record the event id, the announced attachments (in the durable outbox) and the receipt status
    /// (moved forward only) in one journal transaction. Downloading and archiving happen later, from the outbox, because the sender gives up after 10 seconds and
    /// retries; a process that dies after answering still has the work in the journal.
    /// Thread-safe: a listener processes several callbacks at once.
    /// </summary>
    public sealed class WebhookProcessor
    {
        private readonly WebhookOptions _options;
        private readonly ITransferJournal _journal;
        private readonly AuditLog _audit;
        private readonly string _metadataJson;

        public WebhookProcessor(WebhookOptions options, ITransferJournal journal, AuditLog? audit)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _options.Validate();
            _journal = journal ?? throw new ArgumentNullException(nameof(journal));
            _audit = audit ?? AuditLog.Disabled();
            _metadataJson = options.AttachmentMetadata is null ? "{}" : JsonSerializer.Serialize(options.AttachmentMetadata, Json.Options);
        }

        public WebhookOptions Options => _options;

        /// <summary>The audit log this processor writes to (the listener notes answers it could not deliver there).</summary>
        internal AuditLog Audit => _audit;

        public string EventSource => _options.ResolvedEventSource;

        /// <summary>
        /// Verifies and records one callback on the calling thread. Where several callbacks are processed at once from
        /// the thread pool, use <see cref="ProcessAsync"/>: the journal and audit writes wait their turn there without
        /// holding a thread.
        /// </summary>
        public WebhookResult Process(byte[] body, WebhookHeaders headers, WebhookRequestInfo? request = null) =>
            ProcessAsync(body, headers, request).GetAwaiter().GetResult();

        /// <summary>Verifies and records one callback; the task completes when the answer is decided and recorded.</summary>
        public Task<WebhookResult> ProcessAsync(byte[] body, WebhookHeaders headers, WebhookRequestInfo? request = null)
        {
            if (body is null)
            {
                throw new ArgumentNullException(nameof(body));
            }

            headers ??= WebhookHeaders.Empty;
            long started = request?.StartTimestamp ?? Stopwatch.GetTimestamp();
            DateTimeOffset receivedAt = _options.Time.GetUtcNow();
            var result = new WebhookResult { ReceivedAt = receivedAt, Scheme = _options.Scheme, EventSource = EventSource, BodyLength = body.Length };

            if (body.Length > _options.MaxBodyBytes)
            {
                return FinishAsync(result, request, started, 413, WebhookReasons.BodyTooLarge, $"The body has {body.Length} bytes; at most {_options.MaxBodyBytes} are accepted.");
            }

            SignatureCheck check = _options.Scheme == WebhookScheme.OpenMessaging
                ? OpenMessagingSignature.Verify(body, headers, _options.Secret)
                : StandardWebhooksSignature.Verify(body, headers, _options.Secret, receivedAt, _options.TimestampTolerance);
            if (!check.IsValid)
            {
                // Nothing is recorded under it, but the id the sender claimed helps match the refusal to its log.
                result.EventId = check.WebhookId is null ? null : Truncate(check.WebhookId);
                return FinishAsync(result, request, started, 401, check.Reason!, check.Detail!);
            }

            if (!CallbackPayload.TryParse(body, _options.Scheme, out CallbackPayload payload, out string error))
            {
                result.EventId = check.WebhookId;
                return FinishAsync(result, request, started, 400, WebhookReasons.PayloadMalformed, error);
            }

            result.EventId = _options.Scheme == WebhookScheme.StandardWebhooks
                ? check.WebhookId
                : payload.IsReceipt ? payload.MessageId + ":" + payload.ReceiptStatus : payload.MessageId;
            result.MessageId = payload.MessageId;
            result.MessageType = payload.MessageType;
            result.Direction = payload.Direction;
            result.IntegrationId = payload.ChannelId;
            result.ConversationId = payload.ConversationId;
            result.ReceiptStatus = payload.ReceiptStatus;

            if (!CallbackPayload.IsSafeId(result.EventId!))
            {
                return FinishAsync(result, request, started, 400, WebhookReasons.PayloadMalformed, "The event id is empty, too long or holds characters an id never has.");
            }

            return RecordAsync(result, payload, request, started);
        }

        /// <summary>Answers a request the host refuses before it has a body to verify (wrong method, declared length over the cap).</summary>
        public WebhookResult Refuse(int statusCode, string reason, string detail, long bodyLength, WebhookRequestInfo? request = null) =>
            RefuseAsync(statusCode, reason, detail, bodyLength, request).GetAwaiter().GetResult();

        /// <summary><see cref="Refuse"/> without holding the thread while the audit record waits its turn at the file.</summary>
        public Task<WebhookResult> RefuseAsync(int statusCode, string reason, string detail, long bodyLength, WebhookRequestInfo? request = null)
        {
            var result = new WebhookResult
            {
                ReceivedAt = _options.Time.GetUtcNow(),
                Scheme = _options.Scheme,
                EventSource = EventSource,
                BodyLength = bodyLength,
            };
            return FinishAsync(result, request, request?.StartTimestamp ?? Stopwatch.GetTimestamp(), statusCode, reason, detail);
        }

        /// <summary>
        /// The event id, the attachments' outbox items and the status change in one journal transaction: either all are
        /// recorded (and the callback acknowledged) or none is (500, and the sender's retry is processed as new). A
        /// duplicate writes nothing. Only the lookups of transfers by media id run before it, as reads.
        /// </summary>
        private async Task<WebhookResult> RecordAsync(WebhookResult result, CallbackPayload payload, WebhookRequestInfo? request, long started)
        {
            var attachments = new List<WebhookAttachment>();
            var transfers = new List<JournalTransfer?>();
            var items = new List<OutboxItem>();
            Exception? failure = null;
            try
            {
                var record = new WebhookEventRecord(EventSource, result.EventId!, result.ReceivedAt);
                foreach (CallbackAttachment attachment in payload.Attachments)
                {
                    // Media a transfer of this module delivered is that transfer's document, not a second one: whichever
                    // of the delivery and the callback comes first creates the one item, the other finds the key taken.
                    JournalTransfer? transfer = _journal.Transfers.FindByMediaId(attachment.Id);
                    OutboxItem item = transfer is null ? AttachmentItem(result, payload, attachment) : TransferItem(result, payload, attachment, transfer);
                    record.OutboxItems.Add(item);
                    items.Add(item);
                    transfers.Add(transfer);
                    attachments.Add(new WebhookAttachment
                    {
                        AttachmentId = attachment.Id,
                        FileName = attachment.FileName,
                        ContentType = attachment.Mime,
                        Length = attachment.ContentSizeBytes,
                        Sha256 = attachment.Sha256,
                        Location = Redaction.StripQuery(attachment.Url) ?? string.Empty,
                        DocumentKey = item.DocumentKey,
                        TransferId = transfer?.TransferId,
                    });
                }

                bool ranked = false;
                if (payload.IsReceipt)
                {
                    record.MessageId = payload.MessageId;
                    if (MessageStatusRanks.TryGetRank(payload.ReceiptStatus!, out int rank))
                    {
                        ranked = true;
                        record.Status = payload.ReceiptStatus;
                        record.StatusRank = rank;
                    }
                    else
                    {
                        result.Detail = $"Receipt status '{Truncate(payload.ReceiptStatus!)}' is not one this module ranks; the message status was left as it was.";
                    }
                }

                WebhookEventRecorded recorded = await _journal.Events.RecordEventAsync(record).ConfigureAwait(false);
                for (int i = 0; i < attachments.Count; i++)
                {
                    attachments[i].Enqueued = recorded.Enqueued[i];
                }

                if (payload.IsReceipt)
                {
                    result.StatusAdvanced = ranked && recorded.StatusAdvanced;
                    result.MessageStatus = recorded.MessageStatus;
                }

                bool first = recorded.IsNew;
                result.Attachments = attachments;
                result.Accepted = first;
                result.Duplicate = !first;
                result.Outcome = first ? WebhookOutcomes.Accepted : WebhookOutcomes.Duplicate;
                result.StatusCode = 200;
                result.ResponseBody = first ? "{\"status\":\"accepted\"}" : "{\"status\":\"duplicate\"}";
            }
            catch (Exception ex)
            {
                // Not acknowledged and nothing recorded: the sender retries and the retry is processed as new.
                result.Attachments = attachments;
                failure = ex;
            }

            if (failure != null)
            {
                return await FinishAsync(result, request, started, 500, WebhookReasons.JournalUnavailable, "The journal could not record the callback: " + Redaction.Scrub(failure.Message)).ConfigureAwait(false);
            }

            // The attachments queued and the callback itself, in one turn at the audit file.
            var records = new List<AuditRecord>();
            for (int i = 0; i < attachments.Count; i++)
            {
                if (attachments[i].Enqueued)
                {
                    records.Add(EnqueueRecord(payload, attachments[i], items[i], transfers[i]));
                }
            }

            result.LatencyMs = Elapsed(started);
            records.Add(ReceiveRecord(result, request));
            await _audit.WriteAsync(records).ConfigureAwait(false);
            return result;
        }

        private AuditRecord EnqueueRecord(CallbackPayload payload, WebhookAttachment view, OutboxItem item, JournalTransfer? transfer) =>
            new AuditRecord(WebhookAuditOperations.Enqueue, AuditOutcomes.Success)
            {
                CorrelationId = _options.CorrelationId,
                TransferId = transfer?.TransferId,
                ConversationId = item.ConversationId,
                MediaId = view.AttachmentId,
                FileName = item.FileName,
                Sha256 = item.Sha256,
                Bytes = item.Length,
                Target = view.Location,
                Detail = $"document {view.DocumentKey}; message {payload.MessageId}" + (transfer is null ? string.Empty : "; the media of transfer " + transfer.TransferId.ToString("D")),
            };

        /// <summary>
        /// The transfer's document as the journal knows it (its file, name, SHA-256, length and metadata), with the
        /// callback's attachment URL as a second source for when the local file is gone.
        /// </summary>
        private static OutboxItem TransferItem(WebhookResult result, CallbackPayload payload, CallbackAttachment attachment, JournalTransfer transfer) => new OutboxItem
        {
            DocumentKey = "transfer/" + transfer.TransferId.ToString("D"),
            Kind = "transfer",
            TransferId = transfer.TransferId,
            ConversationId = transfer.ConversationId,
            MessageId = transfer.MessageId ?? payload.MessageId,
            AttachmentId = attachment.Id,
            Source = transfer.FilePath,
            // The full URL, query included: stored, never logged.
            FallbackSource = attachment.Url.AbsoluteUri,
            FileName = transfer.FileName,
            ContentType = transfer.ContentType,
            Sha256 = transfer.Sha256,
            Length = transfer.Length,
            MetadataJson = string.IsNullOrEmpty(transfer.MetadataJson) ? "{}" : transfer.MetadataJson,
            State = OutboxState.Pending,
            EnqueuedAt = result.ReceivedAt,
            NextAttemptAt = result.ReceivedAt,
        };

        private OutboxItem AttachmentItem(WebhookResult result, CallbackPayload payload, CallbackAttachment attachment)
        {
            string documentKey = "attachment/" + payload.ChannelId + "/" + attachment.Id;
            return new OutboxItem
            {
                DocumentKey = documentKey,
                Kind = "attachment",
                ConversationId = payload.ConversationId,
                MessageId = payload.MessageId,
                AttachmentId = attachment.Id,
                // The full URL, query included: the archiver needs it to download. It is stored, never logged.
                Source = attachment.Url.AbsoluteUri,
                FileName = attachment.FileName,
                ContentType = attachment.Mime,
                Sha256 = attachment.Sha256,
                Length = attachment.ContentSizeBytes,
                MetadataJson = _metadataJson,
                State = OutboxState.Pending,
                EnqueuedAt = result.ReceivedAt,
                NextAttemptAt = result.ReceivedAt,
            };
        }

        private async Task<WebhookResult> FinishAsync(WebhookResult result, WebhookRequestInfo? request, long started, int statusCode, string reason, string detail)
        {
            result.StatusCode = statusCode;
            result.Reason = reason;
            result.Detail = detail;
            result.Accepted = false;
            result.Duplicate = false;
            result.Outcome = statusCode >= 500 ? WebhookOutcomes.Failed : WebhookOutcomes.Refused;
            result.ResponseBody = ResponseFor(statusCode);
            result.LatencyMs = Elapsed(started);
            await _audit.WriteAsync(new[] { ReceiveRecord(result, request) }).ConfigureAwait(false);
            return result;
        }

        /// <summary>The callback's own record: one per request, whatever its outcome.</summary>
        private AuditRecord ReceiveRecord(WebhookResult result, WebhookRequestInfo? request)
        {
            string outcome = result.Accepted
                ? AuditOutcomes.Success
                : result.Duplicate ? WebhookAuditOperations.DuplicateOutcome
                : result.StatusCode >= 500 ? AuditOutcomes.Failure
                : AuditOutcomes.Refused;

            var detail = new List<string> { "scheme " + result.Scheme };
            if (result.EventId != null)
            {
                detail.Add("event " + result.EventSource + "/" + Truncate(result.EventId));
            }

            if (result.MessageType != null)
            {
                detail.Add("type " + Truncate(result.MessageType));
            }

            if (result.Attachments.Count > 0)
            {
                detail.Add(string.Format(CultureInfo.InvariantCulture, "attachments {0} (new {1})", result.Attachments.Count, result.Attachments.Count(a => a.Enqueued)));
            }

            if (result.StatusAdvanced is bool advanced)
            {
                detail.Add(advanced ? "status advanced" : "status kept " + (result.MessageStatus ?? "(none)"));
            }

            if (result.Detail != null)
            {
                detail.Add(result.Detail);
            }

            if (request?.RemoteAddress != null)
            {
                detail.Add("from " + request.RemoteAddress);
            }

            WebhookAttachment? single = result.Attachments.Count == 1 ? result.Attachments[0] : null;
            return new AuditRecord(WebhookAuditOperations.Receive, outcome)
            {
                CorrelationId = _options.CorrelationId,
                ConversationId = result.ConversationId,
                MediaId = single?.AttachmentId,
                FileName = single?.FileName,
                Sha256 = single?.Sha256,
                HttpMethod = request?.Method ?? "POST",
                Target = request?.Target,
                HttpStatus = result.StatusCode,
                LatencyMs = result.LatencyMs,
                Bytes = result.BodyLength,
                Status = result.ReceiptStatus,
                ErrorCode = result.Reason,
                Detail = string.Join("; ", detail),
            };
        }

        private static string ResponseFor(int statusCode)
        {
            switch (statusCode)
            {
                case 401: return "{\"error\":\"unauthorized\"}";
                case 405: return "{\"error\":\"method not allowed\"}";
                case 413: return "{\"error\":\"payload too large\"}";
                case 500: return "{\"error\":\"not recorded; retry later\"}";
                default: return "{\"error\":\"bad request\"}";
            }
        }

        private static double Elapsed(long started) =>
            Math.Round((Stopwatch.GetTimestamp() - started) * 1000.0 / Stopwatch.Frequency, 1);

        /// <summary>Values from the network go into the log capped, so a sender cannot flood it.</summary>
        private static string Truncate(string value) => value.Length <= 200 ? value : value.Substring(0, 200) + "…";
    }
}
