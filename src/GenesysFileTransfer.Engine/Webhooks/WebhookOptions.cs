using System;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>How callbacks are verified and what accepted attachments are archived with.</summary>
    public sealed class WebhookOptions
    {
        /// <summary>Standard Webhooks' recommended tolerance: five minutes either side of now.</summary>
        public static readonly TimeSpan DefaultTimestampTolerance = TimeSpan.FromMinutes(5);

        /// <summary>1 MiB. An Open Messaging callback is a few kilobytes: attachments travel as URLs, never inline.</summary>
        public const int DefaultMaxBodyBytes = 1024 * 1024;

        public WebhookOptions(WebhookScheme scheme, WebhookSecret secret)
        {
            Scheme = scheme;
            Secret = secret ?? throw new ArgumentNullException(nameof(secret));
        }

        public WebhookScheme Scheme { get; }

        /// <summary>Owned by the caller, who disposes it after the processor is done.</summary>
        public WebhookSecret Secret { get; }

        /// <summary>How far <c>webhook-timestamp</c> may be from now (Standard Webhooks; Open Messaging carries no timestamp).</summary>
        public TimeSpan TimestampTolerance { get; set; } = DefaultTimestampTolerance;

        /// <summary>Larger bodies are refused with 413 before they are verified.</summary>
        public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

        /// <summary>
        /// The namespace of event ids in the journal; by default one per scheme (<c>open-messaging</c>,
        /// <c>standard-webhooks</c>). Give each Standard Webhooks sender its own, since senders choose their ids.
        /// </summary>
        public string? EventSource { get; set; }

        /// <summary>Storage bucket reference, retention and so on for the documents made from callback attachments.</summary>
        public TransferMetadata? AttachmentMetadata { get; set; }

        /// <summary>Written to every audit record, to tie the records of one listener or script together.</summary>
        public string? CorrelationId { get; set; }

        public TimeProvider Time { get; set; } = TimeProvider.System;

        internal string ResolvedEventSource =>
            string.IsNullOrWhiteSpace(EventSource)
                ? (Scheme == WebhookScheme.OpenMessaging ? "open-messaging" : "standard-webhooks")
                : EventSource!.Trim();

        internal void Validate()
        {
            if (TimestampTolerance <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(TimestampTolerance), "The timestamp tolerance must be positive.");
            }

            if (MaxBodyBytes <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxBodyBytes), "The body size cap must be positive.");
            }

            if (Time is null)
            {
                throw new ArgumentNullException(nameof(Time));
            }
        }
    }
}
