using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Tests.Emulator;
using GenesysFileTransfer.Engine.Webhooks;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

/// <summary>One request the catcher received.</summary>
internal sealed record CaughtCallback(TimeSpan At, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A loopback HTTP endpoint standing in for a customer's webhook: records every request and answers as scripted
/// (status and delay per attempt), so the emulator's retry behaviour can be observed from the outside.
/// </summary>
internal sealed class CallbackCatcher : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<CaughtCallback> _caught = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Func<int, (int Status, int DelayMs)> _script;
    private readonly SemaphoreSlim _arrived = new(0);
    private int _count;

    public CallbackCatcher(Func<int, (int Status, int DelayMs)>? script = null)
    {
        _script = script ?? (_ => (200, 0));
        Url = $"http://127.0.0.1:{RunningListener.FreePort()}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public IReadOnlyList<CaughtCallback> Caught
    {
        get { lock (_caught) return _caught.ToArray(); }
    }

    public async Task<IReadOnlyList<CaughtCallback>> WaitForAsync(int count, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (Caught.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Only {Caught.Count} of {count} callbacks arrived.");
            await _arrived.WaitAsync(left);
        }

        return Caught;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                var attempt = Interlocked.Increment(ref _count);
                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
                lock (_caught) _caught.Add(new CaughtCallback(_clock.Elapsed, headers, buffer.ToArray()));
                _arrived.Release();
                var (status, delay) = _script(attempt);
                if (delay > 0) await Task.Delay(delay);
                try
                {
                    context.Response.StatusCode = status;
                    context.Response.Close();
                }
                catch (Exception)
                {
                    // The emulator gave up on this attempt already.
                }
            });
        }
    }

    public void Dispose() => _listener.Close();
}

public sealed class EmulatorCallbackTests
{
    private const string Secret = "emulator-webhook-secret-0123";
    private const string IntegrationId = "7d3f9b2e-0000-4000-8000-00000000abcd";

    private static async Task ConfigureAsync(EmulatorSession session, string url, object? extra = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["outboundNotificationWebhookUrl"] = url,
            ["outboundNotificationWebhookSignatureSecretToken"] = Secret,
            ["integrationId"] = IntegrationId,
            ["retryDelayMs"] = 100,
            ["attemptTimeoutMs"] = 2000,
        };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject()) body[property.Name] = property.Value;
        }

        using var response = await session.ControlAsync(HttpMethod.Put, "integrations/open", body);
        Assert.Equal(200, (int)response.StatusCode);
    }

    private static async Task SetFaultsAsync(EmulatorSession session, object faults)
    {
        using var response = await session.ControlAsync(HttpMethod.Put, "integrations/open/faults", faults);
        Assert.Equal(200, (int)response.StatusCode);
    }

    /// <summary>Uploads and sends one file; returns the media id and the message id.</summary>
    private static async Task<(string MediaId, string MessageId)> DeliverAsync(EmulatorSession session, string token, string fileName, byte[] content)
    {
        var (ticket, status) = await session.UploadAsync(token, fileName, content);
        Assert.Equal("valid", status);
        using var response = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } });
        Assert.Equal(200, (int)response.StatusCode);
        return (ticket.Id, (await EmulatorSession.JsonOf(response)).GetProperty("id").GetString()!);
    }

    private static bool SignatureIsValid(CaughtCallback callback) =>
        callback.Headers.TryGetValue("X-Hub-Signature-256", out var value)
        && value == "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), callback.Body));

    private static async Task<JsonElement[]> DeliveriesAsync(EmulatorSession session)
    {
        using var response = await session.ControlAsync(HttpMethod.Get, "integrations/open/deliveries");
        return (await EmulatorSession.JsonOf(response)).EnumerateArray().ToArray();
    }

    private static async Task<JsonElement[]> WaitForDeliveryStatesAsync(EmulatorSession session, int count, params string[] final)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var deliveries = await DeliveriesAsync(session);
            if (deliveries.Length >= count && deliveries.All(d => final.Contains(d.GetProperty("state").GetString()))) return deliveries;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(JsonSerializer.Serialize(deliveries));
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Posts_a_signed_open_normalized_message_whose_attachment_url_downloads_the_media()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url, new { webhookHeaders = new Dictionary<string, string> { ["X-Tenant"] = "t1" } });
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(3000);

        var (mediaId, messageId) = await DeliverAsync(session, token, "statement.pdf", content);

        var callback = Assert.Single(await catcher.WaitForAsync(1));
        Assert.True(SignatureIsValid(callback));
        Assert.Equal("t1", callback.Headers["X-Tenant"]);
        Assert.StartsWith("application/json", callback.Headers["Content-Type"]);
        var json = callback.Json;
        Assert.Equal(messageId, json.GetProperty("id").GetString());
        Assert.Equal("Text", json.GetProperty("type").GetString());
        Assert.Equal("Outbound", json.GetProperty("direction").GetString());
        Assert.Equal(IntegrationId, json.GetProperty("channel").GetProperty("id").GetString());
        Assert.Equal("Open", json.GetProperty("channel").GetProperty("platform").GetString());
        Assert.Equal(GenesysFileTransfer.Emulator.EmulatorDefaults.ConversationId, json.GetProperty("metadata").GetProperty("conversationId").GetString());
        var content0 = Assert.Single(json.GetProperty("content").EnumerateArray());
        Assert.Equal("Attachment", content0.GetProperty("contentType").GetString());
        var attachment = content0.GetProperty("attachment");
        Assert.Equal(mediaId, attachment.GetProperty("id").GetString());
        Assert.Equal("statement.pdf", attachment.GetProperty("filename").GetString());
        Assert.Equal("application/pdf", attachment.GetProperty("mime").GetString());
        Assert.Equal(3000, attachment.GetProperty("contentSizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), attachment.GetProperty("sha256").GetString());

        var url = attachment.GetProperty("url").GetString()!;
        Assert.Contains("X-Amz-Signature=", url);
        Assert.Equal(content, await session.Http.GetByteArrayAsync(url));

        // And the module's own verifier agrees with the emulator's signature.
        using var secret = WebhookSecret.FromString(Secret, WebhookScheme.OpenMessaging);
        Assert.True(OpenMessagingSignature.Verify(callback.Body, WebhookHeaders.From(callback.Headers.Select(h => new KeyValuePair<string, string?>(h.Key, h.Value))), secret).IsValid);
    }

    [Fact]
    public async Task Sends_in_the_background_so_the_api_call_does_not_wait_for_the_webhook()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher(_ => (200, 5000));
        await ConfigureAsync(session, catcher.Url);
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "a.pdf", SampleFiles.Pdf());

        using (var response = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } }))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        // The webhook holds its answer for 5 s; the API call has answered while the callback is still unanswered.
        var whileSending = await DeliveriesAsync(session);
        Assert.DoesNotContain(whileSending, d => d.GetProperty("state").GetString() == "delivered");
        Assert.Single(whileSending);
        await catcher.WaitForAsync(1);
    }

    [Fact]
    public async Task Retries_timeouts_429_and_5xx_with_the_configured_spacing_until_a_2xx()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher(attempt => attempt switch
        {
            1 => (503, 0),
            2 => (429, 0),
            3 => (200, 1500), // longer than the attempt timeout below: counts as no answer
            _ => (200, 0),
        });
        await ConfigureAsync(session, catcher.Url, new { retryDelayMs = 300, attemptTimeoutMs = 700 });
        var token = await session.GetTokenAsync();

        await DeliverAsync(session, token, "retry.pdf", SampleFiles.Pdf());

        var caught = await catcher.WaitForAsync(4);
        var delivery = Assert.Single(await WaitForDeliveryStatesAsync(session, 1, "delivered"));
        var attempts = delivery.GetProperty("attempts").EnumerateArray().ToArray();
        Assert.Equal(new[] { 503, 429, 0, 200 }, attempts.Select(a => a.GetProperty("status").GetInt32()));
        Assert.Contains("no answer", attempts[2].GetProperty("error").GetString());
        for (var i = 1; i < caught.Count; i++)
        {
            Assert.True(caught[i].At - caught[i - 1].At >= TimeSpan.FromMilliseconds(280), $"attempt {i + 1} came {caught[i].At - caught[i - 1].At} after the previous one");
        }

        Assert.All(caught, c => Assert.Equal(caught[0].Body, c.Body));
    }

    [Fact]
    public async Task Gives_up_after_five_retries_and_never_retries_other_4xx()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var failing = new CallbackCatcher(_ => (500, 0));
        await ConfigureAsync(session, failing.Url, new { retryDelayMs = 20 });
        var token = await session.GetTokenAsync();
        await DeliverAsync(session, token, "fail.pdf", SampleFiles.Pdf());
        var failed = Assert.Single(await WaitForDeliveryStatesAsync(session, 1, "failed"));
        Assert.Equal(6, failed.GetProperty("attempts").GetArrayLength());

        using var refusing = new CallbackCatcher(_ => (401, 0));
        using (var clear = await session.ControlAsync(HttpMethod.Delete, "integrations/open/deliveries")) { }
        await ConfigureAsync(session, refusing.Url, new { retryDelayMs = 20 });
        await DeliverAsync(session, token, "refused.pdf", SampleFiles.Pdf());
        var rejected = Assert.Single(await WaitForDeliveryStatesAsync(session, 1, "rejected"));
        Assert.Equal(1, rejected.GetProperty("attempts").GetArrayLength());
        Assert.Single(refusing.Caught);
    }

    [Fact]
    public async Task Duplicate_fault_sends_identical_copies()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);
        await SetFaultsAsync(session, new { duplicates = 3 });
        var token = await session.GetTokenAsync();

        await DeliverAsync(session, token, "dup.pdf", SampleFiles.Pdf());

        var caught = await catcher.WaitForAsync(3);
        Assert.Equal(3, caught.Count);
        Assert.All(caught, c => Assert.Equal(caught[0].Body, c.Body));
        Assert.All(caught, c => Assert.True(SignatureIsValid(c)));
    }

    [Fact]
    public async Task Corrupt_signature_fault_signs_so_that_verification_fails()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);
        await SetFaultsAsync(session, new { corruptSignature = true });
        var token = await session.GetTokenAsync();

        await DeliverAsync(session, token, "bad-sig.pdf", SampleFiles.Pdf());

        var callback = Assert.Single(await catcher.WaitForAsync(1));
        Assert.StartsWith("sha256=", callback.Headers["X-Hub-Signature-256"]);
        Assert.False(SignatureIsValid(callback));
    }

    [Fact]
    public async Task Reorder_fault_holds_a_delivery_until_the_next_one_is_through()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);
        await SetFaultsAsync(session, new { reorder = true });
        var token = await session.GetTokenAsync();

        var (_, first) = await DeliverAsync(session, token, "first.pdf", SampleFiles.Pdf());
        await Task.Delay(300);
        Assert.Empty(catcher.Caught);
        var (_, second) = await DeliverAsync(session, token, "second.pdf", SampleFiles.Pdf());

        var caught = await catcher.WaitForAsync(2);
        Assert.Equal(new[] { second, first }, caught.Select(c => c.Json.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Delay_fault_waits_before_the_first_attempt()
    {
        await using var session = await EmulatorSession.StartAsync();
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);
        await SetFaultsAsync(session, new { delayMs = 800 });
        var token = await session.GetTokenAsync();

        var watch = Stopwatch.StartNew();
        await DeliverAsync(session, token, "late.pdf", SampleFiles.Pdf());
        await catcher.WaitForAsync(1);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(750), $"arrived after {watch.Elapsed}");
    }

    [Fact]
    public async Task Sends_receipts_on_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        using (var none = await session.ControlAsync(HttpMethod.Post, "integrations/open/receipts", new { messageId = "m1", status = "Read" }))
        {
            Assert.Equal(409, (int)none.StatusCode);
        }

        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);
        using (var missing = await session.ControlAsync(HttpMethod.Post, "integrations/open/receipts", new { messageId = "m1" }))
        {
            Assert.Equal(400, (int)missing.StatusCode);
        }

        using (var accepted = await session.ControlAsync(HttpMethod.Post, "integrations/open/receipts", new { messageId = "m1", status = "Failed" }))
        {
            Assert.Equal(202, (int)accepted.StatusCode);
        }

        var callback = Assert.Single(await catcher.WaitForAsync(1));
        Assert.True(SignatureIsValid(callback));
        var json = callback.Json;
        Assert.Equal("Receipt", json.GetProperty("type").GetString());
        Assert.Equal("m1", json.GetProperty("id").GetString());
        Assert.Equal("Failed", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("isFinalReceipt").GetBoolean());
        Assert.Equal("GeneralError", json.GetProperty("reasons")[0].GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/hook", "fifteen-chars-x", "longer than 15")]
    [InlineData("not a url", "a-long-enough-secret", "absolute")]
    [InlineData("ftp://127.0.0.1/hook", "a-long-enough-secret", "absolute")]
    public async Task Validates_the_integration_like_genesys(string url, string secret, string message)
    {
        await using var session = await EmulatorSession.StartAsync();
        using var response = await session.ControlAsync(HttpMethod.Put, "integrations/open", new { outboundNotificationWebhookUrl = url, outboundNotificationWebhookSignatureSecretToken = secret });
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(message, (await EmulatorSession.JsonOf(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Shows_the_integration_without_its_secret_and_forgets_it_on_reset()
    {
        await using var session = await EmulatorSession.StartAsync();
        using (var none = await session.ControlAsync(HttpMethod.Get, "integrations/open")) Assert.Equal(404, (int)none.StatusCode);
        using var catcher = new CallbackCatcher();
        await ConfigureAsync(session, catcher.Url);

        using (var view = await session.ControlAsync(HttpMethod.Get, "integrations/open"))
        {
            var text = await view.Content.ReadAsStringAsync();
            Assert.DoesNotContain(Secret, text);
            Assert.Equal(Secret.Length, JsonDocument.Parse(text).RootElement.GetProperty("secretTokenLength").GetInt32());
        }

        using (var reset = await session.ControlAsync(HttpMethod.Post, "reset")) Assert.Equal(200, (int)reset.StatusCode);
        using (var after = await session.ControlAsync(HttpMethod.Get, "integrations/open")) Assert.Equal(404, (int)after.StatusCode);
        var token = await session.GetTokenAsync();
        await DeliverAsync(session, token, "quiet.pdf", SampleFiles.Pdf());
        await Task.Delay(300);
        Assert.Empty(catcher.Caught);
    }

    [Fact]
    public async Task The_module_listener_takes_the_emulator_callback_into_the_outbox_once_despite_duplicates()
    {
        await using var session = await EmulatorSession.StartAsync();
        var journal = new FakeWebhookJournal();
        using var secret = WebhookSecret.FromString(Secret, WebhookScheme.OpenMessaging);
        var prefix = $"http://127.0.0.1:{RunningListener.FreePort()}/genesys/";
        using var listener = new WebhookListener(new WebhookProcessor(new WebhookOptions(WebhookScheme.OpenMessaging, secret), journal, AuditLog.Disabled()), new[] { prefix });
        using var stop = new CancellationTokenSource();
        var results = new List<WebhookResult>();
        var errors = new List<Exception>();
        listener.Start();
        // Failures the listener reports for a request are collected and must stay empty, not discarded.
        var running = listener.RunAsync(r => { lock (results) results.Add(r); }, e => { lock (errors) errors.Add(e); }, stop.Token);

        await ConfigureAsync(session, prefix);
        await SetFaultsAsync(session, new { duplicates = 4 });
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(2500);
        var (mediaId, messageId) = await DeliverAsync(session, token, "to-archive.pdf", content);

        var deliveries = await WaitForDeliveryStatesAsync(session, 4, "delivered");
        stop.Cancel();
        await running;

        Assert.Equal(4, deliveries.Length);
        lock (errors) Assert.Empty(errors);
        lock (results)
        {
            Assert.Equal(4, results.Count);
            Assert.Equal(1, results.Count(r => r.Accepted));
            Assert.Equal(3, results.Count(r => r.Duplicate));
        }

        var item = Assert.Single(journal.Outbox.GetOutbox(null));
        Assert.Equal($"attachment/{IntegrationId}/{mediaId}", item.DocumentKey);
        Assert.Equal(messageId, item.MessageId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), item.Sha256);
        Assert.Equal(content, await session.Http.GetByteArrayAsync(item.Source));
    }
}
