using System.Text.Json.Serialization;

namespace GenesysFileTransfer.Emulator.Webhooks;

/// <summary>
/// <c>PUT /emulator/integrations/open</c>: the fields of Genesys' OpenIntegrationRequest that matter for outbound
/// webhooks, plus the emulator's own timing knobs (Genesys' values by default) so tests need not wait 5 s per retry.
/// </summary>
internal sealed record OpenIntegrationRequest(
    string? OutboundNotificationWebhookUrl,
    string? OutboundNotificationWebhookSignatureSecretToken,
    string? IntegrationId,
    string? Name,
    Dictionary<string, string>? WebhookHeaders,
    int? RetryDelayMs,
    int? AttemptTimeoutMs,
    int? MaxRetries);

/// <summary>The configured Open Messaging integration. One at a time: the emulator's organisation has one.</summary>
internal sealed record OpenIntegration(
    string Id,
    string Name,
    Uri WebhookUrl,
    string SecretToken,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    TimeSpan RetryDelay,
    TimeSpan AttemptTimeout,
    int MaxRetries);

/// <summary>What <c>GET /emulator/integrations/open</c> shows: never the secret token, only its length.</summary>
internal sealed record OpenIntegrationView(
    string Id,
    string Name,
    string OutboundNotificationWebhookUrl,
    int SecretTokenLength,
    IReadOnlyList<string> WebhookHeaderNames,
    int RetryDelayMs,
    int AttemptTimeoutMs,
    int MaxRetries)
{
    public static OpenIntegrationView Of(OpenIntegration i) => new(
        i.Id, i.Name, i.WebhookUrl.AbsoluteUri, i.SecretToken.Length, i.WebhookHeaders.Keys.ToArray(),
        (int)i.RetryDelay.TotalMilliseconds, (int)i.AttemptTimeout.TotalMilliseconds, i.MaxRetries);
}

/// <summary>
/// <c>PUT /emulator/integrations/open/faults</c>: how the next callbacks misbehave, until changed or cleared.
/// <c>duplicates</c>: copies of each callback (sent at once); <c>reorder</c>: hold each other callback back until the
/// one after it is delivered; <c>delayMs</c>: wait before the first attempt; <c>corruptSignature</c>: a signature that
/// does not match the body.
/// </summary>
internal sealed record CallbackFaultsRequest(int? Duplicates, bool? Reorder, int? DelayMs, bool? CorruptSignature);

internal sealed record CallbackFaults(int Duplicates, bool Reorder, int DelayMs, bool CorruptSignature)
{
    public static CallbackFaults None { get; } = new(1, false, 0, false);
}

/// <summary><c>POST /emulator/integrations/open/receipts</c>: a delivery receipt for a message, sent to the webhook.</summary>
internal sealed record ReceiptRequest(string? MessageId, string? Status, bool? IsFinalReceipt, string? ReasonMessage);

/// <summary>One attempt to POST a callback: the HTTP status, or 0 with the error when there was no answer.</summary>
internal sealed record CallbackAttempt(int Attempt, DateTimeOffset At, int Status, string? Error);

/// <summary>One callback (one copy, with duplicates) and what happened to it; listed by <c>GET …/deliveries</c>.</summary>
internal sealed class CallbackDelivery
{
    private readonly List<CallbackAttempt> _attempts = new();

    public long Sequence { get; init; }
    public string Kind { get; init; } = "message";
    /// <summary>The payload's <c>id</c>: the message id (suffixed for the second and later attachment of one message).</summary>
    public string EventId { get; init; } = string.Empty;
    public string MessageId { get; init; } = string.Empty;
    public string? ConversationId { get; init; }
    public string? AttachmentId { get; init; }
    public string? ReceiptStatus { get; init; }
    public int Copy { get; init; } = 1;
    public bool SignatureCorrupted { get; init; }
    /// <summary><c>held</c> (reorder), <c>pending</c>, <c>delivered</c> (2xx), <c>rejected</c> (other 4xx, not retried), <c>failed</c> (retries exhausted), <c>cancelled</c>.</summary>
    public string State { get; set; } = "pending";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; set; }

    [JsonIgnore]
    public byte[] Body { get; init; } = [];

    public IReadOnlyList<CallbackAttempt> Attempts
    {
        get
        {
            lock (_attempts) return _attempts.ToArray();
        }
    }

    public void Add(CallbackAttempt attempt)
    {
        lock (_attempts) _attempts.Add(attempt);
    }
}
