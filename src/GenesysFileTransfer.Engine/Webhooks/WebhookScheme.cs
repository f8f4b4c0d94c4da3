namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>How a callback is signed, and so how it is verified and where its event id comes from.</summary>
    public enum WebhookScheme
    {
        /// <summary>
        /// Genesys Cloud Open Messaging outbound webhooks: <c>X-Hub-Signature-256: sha256=</c> + base64
        /// HMAC-SHA256 of the raw body with the integration's secret token. No timestamp; the event id is the message
        /// id (plus the status for receipts).
        /// </summary>
        OpenMessaging,

        /// <summary>
        /// The Standard Webhooks scheme (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>), for
        /// other senders such as Architect workflow data actions. The event id is <c>webhook-id</c>.
        /// </summary>
        StandardWebhooks,
    }
}
