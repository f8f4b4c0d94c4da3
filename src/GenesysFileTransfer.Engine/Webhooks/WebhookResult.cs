using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>An attachment of an accepted callback and the outbox item it became.</summary>
    public sealed class WebhookAttachment
    {
        public string AttachmentId { get; internal set; } = string.Empty;
        public string FileName { get; internal set; } = string.Empty;
        public string? ContentType { get; internal set; }
        public long? Length { get; internal set; }
        /// <summary>Lower-case hex, as announced by the sender (checked again when the document is archived).</summary>
        public string? Sha256 { get; internal set; }
        /// <summary>The attachment URL without its query: the query is a bearer credential and never leaves the journal.</summary>
        public string Location { get; internal set; } = string.Empty;
        /// <summary>
        /// <c>attachment/{integration id}/{attachment id}</c>: the same attachment is always the same document. For
        /// media a transfer of this module delivered, the transfer's own document, <c>transfer/{transfer id}</c>.
        /// </summary>
        public string DocumentKey { get; internal set; } = string.Empty;
        /// <summary>The transfer that delivered this media, when the journal knows it (then the document is the transfer's).</summary>
        public Guid? TransferId { get; internal set; }
        /// <summary>False when the outbox already had this document (a repeated or concurrent delivery).</summary>
        public bool Enqueued { get; internal set; }

        public override string ToString() => DocumentKey;
    }

    /// <summary>
    /// What became of one delivered callback, and what to answer the sender: <see cref="StatusCode"/> (200 as soon as the
    /// event is safely in the journal; 401, 400, 413 or 405 for a refused one; 500 when the journal failed, so the
    /// sender retries) with <see cref="ResponseBody"/>.
    /// </summary>
    public sealed class WebhookResult
    {
        public DateTimeOffset ReceivedAt { get; internal set; }
        public WebhookScheme Scheme { get; internal set; }
        public int StatusCode { get; internal set; }
        /// <summary><c>accepted</c>, <c>duplicate</c>, <c>refused</c> or <c>failure</c> (<see cref="WebhookOutcomes"/>).</summary>
        public string Outcome { get; internal set; } = string.Empty;
        /// <summary>Verified and recorded for the first time.</summary>
        public bool Accepted { get; internal set; }
        /// <summary>Verified, and already recorded by an earlier delivery or another listener: acknowledged, nothing more done.</summary>
        public bool Duplicate { get; internal set; }
        /// <summary>Why it was refused or failed (<see cref="WebhookReasons"/>); empty when acknowledged.</summary>
        public string? Reason { get; internal set; }
        /// <summary>A sentence for the operator; never the secret or a URL query.</summary>
        public string? Detail { get; internal set; }
        /// <summary>The namespace the event id is recorded in (<c>open-messaging</c>, <c>standard-webhooks</c>, or the configured one).</summary>
        public string? EventSource { get; internal set; }
        /// <summary>Standard Webhooks: <c>webhook-id</c>. Open Messaging: the message id, plus <c>:{status}</c> for a receipt.</summary>
        public string? EventId { get; internal set; }
        public string? MessageId { get; internal set; }
        /// <summary><c>Text</c>, <c>Receipt</c>, … as sent.</summary>
        public string? MessageType { get; internal set; }
        public string? Direction { get; internal set; }
        /// <summary>The Open Messaging integration id (<c>channel.id</c>).</summary>
        public string? IntegrationId { get; internal set; }
        public string? ConversationId { get; internal set; }
        /// <summary>A receipt's status (<c>Sent</c>, <c>Delivered</c>, <c>Read</c>, <c>Failed</c>, …).</summary>
        public string? ReceiptStatus { get; internal set; }
        /// <summary>For a receipt: true when it moved the message's status forward, false when an equal or later status was already recorded.</summary>
        public bool? StatusAdvanced { get; internal set; }
        /// <summary>The message's status in the journal after this callback (receipts only).</summary>
        public string? MessageStatus { get; internal set; }
        public IReadOnlyList<WebhookAttachment> Attachments { get; internal set; } = Array.Empty<WebhookAttachment>();
        /// <summary>Bytes of the body received (up to the cap).</summary>
        public long BodyLength { get; internal set; }
        /// <summary>From the start of the request to the answer, in milliseconds.</summary>
        public double LatencyMs { get; internal set; }
        /// <summary>A small JSON body to answer with; it names no check, so a forger learns nothing from it.</summary>
        public string ResponseBody { get; internal set; } = "{}";
        public string ResponseContentType => "application/json";

        public override string ToString() =>
            StatusCode + " " + Outcome + (Reason is null ? string.Empty : " (" + Reason + ")") + (EventId is null ? string.Empty : " " + EventId);
    }
}
