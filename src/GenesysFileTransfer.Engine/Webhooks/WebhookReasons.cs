namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// Why a callback was refused (or could not be processed). Stable strings: scripts and audit-log queries filter on
    /// them. The sender only sees the HTTP status; the reason stays with the receiver (result object and audit log),
    /// so a forger learns nothing about which check failed.
    /// </summary>
    public static class WebhookReasons
    {
        /// <summary>413: the body is larger than the configured cap; it was not read further or verified.</summary>
        public const string BodyTooLarge = nameof(BodyTooLarge);

        /// <summary>The sender did not deliver its body within the listener's body timeout; the connection was closed.</summary>
        public const string BodyTimeout = "body-timeout";

        /// <summary>
        /// The sender closed the connection (or it broke) before its body was complete: nothing could be verified or
        /// recorded, and nobody was left to answer.
        /// </summary>
        public const string BodyIncomplete = "body-incomplete";

        /// <summary>
        /// The audit error code of a processed callback whose answer could not be sent: the sender closed the
        /// connection after its whole request, before reading the answer. The result keeps its outcome.
        /// </summary>
        public const string AnswerUndelivered = "answer-undelivered";

        /// <summary>401: no signature header.</summary>
        public const string SignatureMissing = nameof(SignatureMissing);

        /// <summary>401: a signature header whose value is not a valid signature of this body with this secret.</summary>
        public const string SignatureMismatch = nameof(SignatureMismatch);

        /// <summary>401: Standard Webhooks without <c>webhook-id</c>, which is part of what is signed.</summary>
        public const string WebhookIdMissing = nameof(WebhookIdMissing);

        /// <summary>401: Standard Webhooks without <c>webhook-timestamp</c>.</summary>
        public const string TimestampMissing = nameof(TimestampMissing);

        /// <summary>401: a <c>webhook-timestamp</c> that is not whole Unix seconds.</summary>
        public const string TimestampInvalid = nameof(TimestampInvalid);

        /// <summary>401: correctly signed, but the timestamp is further from now than the tolerance: a replay, or a badly wrong clock.</summary>
        public const string TimestampStale = nameof(TimestampStale);

        /// <summary>400: authentic, but not a JSON object of the expected shape (a message id, well-formed attachments, a receipt status).</summary>
        public const string PayloadMalformed = nameof(PayloadMalformed);

        /// <summary>405: the listener takes POST only.</summary>
        public const string MethodNotAllowed = nameof(MethodNotAllowed);

        /// <summary>500: the journal could not record the event; the sender should retry, and nothing was acknowledged.</summary>
        public const string JournalUnavailable = nameof(JournalUnavailable);
    }

    /// <summary>What happened to a callback, as <see cref="WebhookResult.Outcome"/> and the audit record's outcome.</summary>
    public static class WebhookOutcomes
    {
        /// <summary>Verified and recorded for the first time; attachments are in the outbox.</summary>
        public const string Accepted = "accepted";

        /// <summary>Verified, but the event was recorded before (a retry, a copy, another listener): acknowledged, nothing more.</summary>
        public const string Duplicate = "duplicate";

        /// <summary>Not verified or not well-formed: answered 4xx, nothing recorded.</summary>
        public const string Refused = "refused";

        /// <summary>Verified, but the journal failed: answered 500 so the sender retries.</summary>
        public const string Failed = "failure";
    }
}
