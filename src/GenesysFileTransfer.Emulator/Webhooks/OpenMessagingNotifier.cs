using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.Media;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Webhooks;

/// <summary>
/// The Open Messaging integration's outbound webhook: for each message sent into a conversation it POSTs a signed
/// OpenNormalizedMessage to the configured URL, in the background (the API call has returned by then), the way Genesys
/// does: <c>X-Hub-Signature-256: sha256=base64(HMAC-SHA256(secret token, body))</c> over the exact bytes sent, up to 5
/// retries 5 s apart when an attempt times out (10 s), fails to connect, or answers 429 or 5xx. Fault controls make it
/// send copies, swap the order of deliveries, wait first, or sign wrongly.
/// </summary>
internal sealed class OpenMessagingNotifier : IDisposable
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    public const int MinSecretTokenLength = 16;

    /// <summary>Genesys' numbers (reference §5.1).</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultMaxRetries = 5;

    private const int DeliveryLogCapacity = 1000;

    private readonly EmulatorState _state;
    private readonly EmulatorOptions _options;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly object _gate = new();
    private readonly List<CallbackDelivery> _deliveries = new();
    private long _sequence;
    private OpenIntegration? _integration;
    private CallbackFaults _faults = CallbackFaults.None;
    private Func<Task>? _held;
    private int _disposed;

    public OpenMessagingNotifier(EmulatorState state, EmulatorOptions options, IHostApplicationLifetime lifetime)
    {
        _state = state;
        _options = options;
        // No proxy (callbacks go to a local listener), and no client-wide timeout: each attempt has its own.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _state.MessageAdded += OnMessageAdded;
        _state.WasReset += Clear;
        lifetime.ApplicationStopping.Register(() => _shutdown.Cancel());
    }

    public OpenIntegration? Integration
    {
        get
        {
            lock (_gate) return _integration;
        }
    }

    public CallbackFaults Faults
    {
        get
        {
            lock (_gate) return _faults;
        }
    }

    public IReadOnlyList<CallbackDelivery> Deliveries
    {
        get
        {
            lock (_gate) return _deliveries.ToArray();
        }
    }

    public void Configure(OpenIntegration integration)
    {
        lock (_gate) _integration = integration;
    }

    public void SetFaults(CallbackFaults faults)
    {
        Func<Task>? release = null;
        lock (_gate)
        {
            _faults = faults;
            if (!faults.Reorder)
            {
                // Nothing will come after the held delivery to release it any more.
                release = _held;
                _held = null;
            }
        }

        if (release is not null) _ = Task.Run(release);
    }

    /// <summary>The integration, faults, held delivery and delivery log, all gone (as after <c>POST /emulator/reset</c>).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _integration = null;
            _faults = CallbackFaults.None;
            _held = null;
            _deliveries.Clear();
        }
    }

    public void ClearDeliveries()
    {
        lock (_gate) _deliveries.Clear();
    }

    /// <summary>A receipt for <paramref name="request"/>'s message, sent like any callback. Null when no integration is configured.</summary>
    public IReadOnlyList<CallbackDelivery>? SendReceipt(ReceiptRequest request)
    {
        var integration = Integration;
        if (integration is null) return null;
        var status = request.Status!.Trim();
        var failed = string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase);
        var payload = new Dictionary<string, object?>
        {
            ["id"] = request.MessageId,
            ["channel"] = Channel(integration, null),
            ["type"] = "Receipt",
            ["status"] = status,
            ["direction"] = "Outbound",
            ["isFinalReceipt"] = request.IsFinalReceipt ?? (failed || string.Equals(status, "Read", StringComparison.OrdinalIgnoreCase)),
        };
        if (failed)
        {
            payload["reasons"] = new[] { new { code = "GeneralError", message = request.ReasonMessage ?? "The message could not be delivered." } };
        }

        return Dispatch(integration, Serialize(payload), "receipt", request.MessageId!, request.MessageId!, null, null, status);
    }

    private void OnMessageAdded(DeliveredMessage message)
    {
        // Runs inside the API request: never throw, never wait.
        try
        {
            var integration = Integration;
            if (integration is null || message.Payload is not MessageData data) return;
            var attachments = data.NormalizedMessage.Content.Where(c => c.Attachment is not null).ToArray();
            if (attachments.Length == 0)
            {
                var body = Serialize(Outbound(integration, message, message.Id, data.NormalizedMessage.Text, null));
                Dispatch(integration, body, "message", message.Id, message.Id, message.ConversationId, null, null);
                return;
            }

            // Genesys allows one Attachment content item per message, so each attachment is a callback of its own;
            // the second and later get a suffixed id (an emulator choice: the message has one id).
            for (var i = 0; i < attachments.Length; i++)
            {
                var eventId = i == 0 ? message.Id : $"{message.Id}-{i + 1}";
                var body = Serialize(Outbound(integration, message, eventId, i == 0 ? data.NormalizedMessage.Text : null, attachments[i]));
                Dispatch(integration, body, "message", eventId, message.Id, message.ConversationId, attachments[i].Attachment.Id, null);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A broken callback must not break the message that was sent.
        }
    }

    private Dictionary<string, object?> Outbound(OpenIntegration integration, DeliveredMessage message, string eventId, string? text, NormalizedContent? attachment) => new()
    {
        ["id"] = eventId,
        ["channel"] = Channel(integration, message.Id),
        ["type"] = "Text",
        ["text"] = text,
        ["content"] = attachment is null ? null : new[] { attachment },
        ["direction"] = "Outbound",
        // OpenNormalizedMessage.metadata is a free map; the emulator names the conversation there.
        ["metadata"] = new Dictionary<string, string> { ["conversationId"] = message.ConversationId },
    };

    private object Channel(OpenIntegration integration, string? messageId) => new
    {
        id = integration.Id,
        platform = "Open",
        type = "Private",
        messageId,
        to = new { id = "emulator-customer", idType = "Opaque" },
        from = new { id = integration.Id, idType = "Opaque", nickname = integration.Name },
        time = _options.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
    };

    private static byte[] Serialize(object payload) => JsonSerializer.SerializeToUtf8Bytes(payload, EmulatorJson.Options);

    private IReadOnlyList<CallbackDelivery> Dispatch(
        OpenIntegration integration, byte[] body, string kind, string eventId, string messageId, string? conversationId, string? attachmentId, string? receiptStatus)
    {
        var faults = Faults;
        var signature = Sign(integration.SecretToken, body, faults.CorruptSignature);
        var now = _options.UtcNow;
        var copies = new List<CallbackDelivery>();
        lock (_gate)
        {
            for (var copy = 1; copy <= faults.Duplicates; copy++)
            {
                var delivery = new CallbackDelivery
                {
                    Sequence = ++_sequence,
                    Kind = kind,
                    EventId = eventId,
                    MessageId = messageId,
                    ConversationId = conversationId,
                    AttachmentId = attachmentId,
                    ReceiptStatus = receiptStatus,
                    Copy = copy,
                    SignatureCorrupted = faults.CorruptSignature,
                    CreatedAt = now,
                    Body = body,
                };
                copies.Add(delivery);
                _deliveries.Add(delivery);
            }

            if (_deliveries.Count > DeliveryLogCapacity) _deliveries.RemoveRange(0, _deliveries.Count - DeliveryLogCapacity);
        }

        Func<Task> send = async () =>
        {
            if (faults.DelayMs > 0) await DelayAsync(TimeSpan.FromMilliseconds(faults.DelayMs));
            await Task.WhenAll(copies.Select(c => SendWithRetriesAsync(integration, c, signature)));
        };

        Func<Task>? release = null;
        lock (_gate)
        {
            if (faults.Reorder && _held is null)
            {
                foreach (var copy in copies) copy.State = "held";
                _held = send;
                return copies;
            }

            release = _held;
            _held = null;
        }

        _ = Task.Run(async () =>
        {
            await send();
            // The held one goes only once this one is through, so it really arrives second.
            if (release is not null) await release();
        });
        return copies;
    }

    private async Task SendWithRetriesAsync(OpenIntegration integration, CallbackDelivery delivery, string signature)
    {
        delivery.State = "pending";
        for (var attempt = 1; attempt <= integration.MaxRetries + 1; attempt++)
        {
            if (_shutdown.IsCancellationRequested)
            {
                Complete(delivery, "cancelled");
                return;
            }

            var (status, error) = await AttemptAsync(integration, delivery.Body, signature);
            delivery.Add(new CallbackAttempt(attempt, _options.UtcNow, status, error));
            if (status is >= 200 and < 300)
            {
                Complete(delivery, "delivered");
                return;
            }

            var retryable = status == 0 || status == 429 || status >= 500;
            if (!retryable)
            {
                Complete(delivery, "rejected");
                return;
            }

            if (attempt <= integration.MaxRetries && !await DelayAsync(integration.RetryDelay))
            {
                Complete(delivery, "cancelled");
                return;
            }
        }

        Complete(delivery, "failed");
    }

    private async Task<(int Status, string? Error)> AttemptAsync(OpenIntegration integration, byte[] body, string signature)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(integration.AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, integration.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        foreach (var (name, value) in integration.WebhookHeaders) request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return ((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            return (0, $"no answer within {integration.AttemptTimeout.TotalSeconds:0.###} s");
        }
        catch (OperationCanceledException)
        {
            return (0, "emulator stopping");
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return (0, "emulator stopping");
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _shutdown.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Complete(CallbackDelivery delivery, string state)
    {
        delivery.State = state;
        delivery.CompletedAt = _options.UtcNow;
    }

    /// <summary>sha256= + base64 HMAC-SHA256 of the exact bytes sent; corrupted = signed with a different key.</summary>
    internal static string Sign(string secretToken, byte[] body, bool corrupt)
    {
        var key = Encoding.UTF8.GetBytes(corrupt ? secretToken + "-corrupted" : secretToken);
        return "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(key, body));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _state.MessageAdded -= OnMessageAdded;
        _state.WasReset -= Clear;
        // The token source is cancelled but not disposed: background sends still read its token as they wind down.
        _shutdown.Cancel();
        _http.Dispose();
    }
}
