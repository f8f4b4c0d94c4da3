using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Webhooks;
using static GenesysFileTransfer.Engine.Tests.Webhooks.WebhookTestKit;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

/// <summary>A loopback listener: free ports, a running listener, and results collected as they are answered.</summary>
internal sealed class RunningListener : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly WebhookSecret _secret;
    private readonly List<WebhookResult> _results = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private RunningListener(WebhookSecret secret, WebhookListener listener, FakeWebhookJournal journal, string prefix)
    {
        _secret = secret;
        Listener = listener;
        Journal = journal;
        Prefix = prefix;
        Running = listener.RunAsync(r => { lock (_results) _results.Add(r); _arrived.Release(); }, _ => { }, _stop.Token);
    }

    public WebhookListener Listener { get; }
    public FakeWebhookJournal Journal { get; }
    public string Prefix { get; }
    public Task Running { get; }

    public IReadOnlyList<WebhookResult> Results
    {
        get { lock (_results) return _results.ToArray(); }
    }

    public static RunningListener Start(Action<WebhookOptions>? configure = null)
    {
        var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var options = new WebhookOptions(WebhookScheme.OpenMessaging, secret);
        configure?.Invoke(options);
        var journal = new FakeWebhookJournal();
        var prefix = $"http://127.0.0.1:{FreePort()}/genesys/";
        var listener = new WebhookListener(new WebhookProcessor(options, journal, AuditLog.Disabled()), new[] { prefix });
        listener.Start();
        return new RunningListener(secret, listener, journal, prefix);
    }

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Waits until <paramref name="count"/> results have arrived in all.</summary>
    public async Task<IReadOnlyList<WebhookResult>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Results.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Only {Results.Count} of {count} callbacks arrived.");
            await _arrived.WaitAsync(left);
        }

        return Results;
    }

    public Task StopAsync()
    {
        _stop.Cancel();
        return Running;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await Running.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
        Listener.Dispose();
        _secret.Dispose();
    }
}

public sealed class WebhookListenerTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

    private static HttpRequestMessage Post(string url, byte[] body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (signature is not null) request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>Opens a connection that sends a POST's headers (declaring a body) and then nothing, or nothing at all.</summary>
    private static async Task<TcpClient> IdleAsync(string prefix, bool headers)
    {
        var uri = new Uri(prefix);
        var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        if (headers)
        {
            byte[] head = System.Text.Encoding.ASCII.GetBytes($"POST {uri.AbsolutePath} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{");
            await client.GetStream().WriteAsync(head);
        }

        return client;
    }

    [Fact]
    public async Task Answers_a_genuine_callback_within_2_s_while_32_idle_connections_hold_on()
    {
        await using var listener = RunningListener.Start();
        var idle = new List<TcpClient>();
        for (int i = 0; i < 32; i++) idle.Add(await IdleAsync(listener.Prefix, headers: i % 4 != 0));
        await Task.Delay(300);
        var body = AttachmentMessage("msg-busy", "media-busy");

        var watch = Stopwatch.StartNew();
        using var response = await Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)));
        watch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"answered after {watch.Elapsed.TotalMilliseconds:0} ms");
        foreach (TcpClient client in idle) client.Dispose();
    }

    [Fact]
    public async Task Closes_a_connection_whose_body_does_not_arrive_in_time()
    {
        await using var listener = RunningListener.Start();
        listener.Listener.BodyTimeout = TimeSpan.FromSeconds(1);
        using TcpClient stalled = await IdleAsync(listener.Prefix, headers: true);
        stalled.ReceiveTimeout = 10000;

        var watch = Stopwatch.StartNew();
        // Whatever the listener says on its way out, the connection ends (end of stream or reset) at the deadline.
        bool closed = false;
        try
        {
            var buffer = new byte[1024];
            while (watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (await stalled.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) == 0) { closed = true; break; }
            }
        }
        catch (IOException)
        {
            closed = true;
        }

        Assert.True(closed);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"closed after {watch.Elapsed.TotalSeconds:0.0} s");
        var result = Assert.Single(await listener.WaitForAsync(1));
        Assert.Equal(408, result.StatusCode);
        Assert.Empty(listener.Journal.RecordedEvents);
    }

    [Fact]
    public async Task Answers_200_to_a_signed_callback_and_reports_the_result()
    {
        await using var listener = RunningListener.Start();
        var body = AttachmentMessage("msg-l1", "media-l1");

        using var response = await Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"accepted\"}", await response.Content.ReadAsStringAsync());
        var result = Assert.Single(await listener.WaitForAsync(1));
        Assert.True(result.Accepted);
        Assert.Single(listener.Journal.Outbox.GetOutbox(null));
    }

    [Fact]
    public async Task Answers_401_405_and_413_without_recording_anything()
    {
        await using var listener = RunningListener.Start(o => o.MaxBodyBytes = 4096);
        var body = AttachmentMessage("msg-l2", "media-l2");

        using var forged = await Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body, "wrong-wrong-wrong-wrong")));
        using var get = await Http.GetAsync(listener.Prefix);
        var big = new byte[5000];
        using var tooBig = await Http.SendAsync(Post(listener.Prefix, big, OpenSignature(big)));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        var results = await listener.WaitForAsync(3);
        Assert.Equal(new[] { 401, 405, 413 }, results.Select(r => r.StatusCode).Order());
        Assert.Equal(0, listener.Journal.EventCount);
        Assert.Empty(listener.Journal.Outbox.GetOutbox(null));
    }

    [Fact]
    public async Task Refuses_a_chunked_body_once_it_passes_the_cap()
    {
        await using var listener = RunningListener.Start(o => o.MaxBodyBytes = 1024);
        var request = new HttpRequestMessage(HttpMethod.Post, listener.Prefix) { Content = new StreamContent(new MemoryStream(new byte[64 * 1024])) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Handles_concurrent_copies_of_one_event_as_one()
    {
        await using var listener = RunningListener.Start();
        var body = AttachmentMessage("msg-l3", "media-l3");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var results = await listener.WaitForAsync(8);
        Assert.Equal(1, results.Count(r => r.Accepted));
        Assert.Single(listener.Journal.Outbox.GetOutbox(null));
    }

    [Fact]
    public async Task Stops_promptly_when_cancelled_and_frees_the_port()
    {
        var listener = RunningListener.Start();
        var watch = Stopwatch.StartNew();
        await listener.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {watch.Elapsed}");
        Assert.False(listener.Listener.IsListening);
        await listener.DisposeAsync();

        // The same prefix can be taken again at once.
        using var again = new WebhookListener(
            new WebhookProcessor(new WebhookOptions(WebhookScheme.OpenMessaging, WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging)), new FakeWebhookJournal(), null),
            new[] { listener.Prefix });
        again.Start();
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/genesys", "http://127.0.0.1:8080/genesys/")]
    [InlineData("http://+:8080/", "http://+:8080/")]
    [InlineData("https://*:8443/hooks/", "https://*:8443/hooks/")]
    public void Completes_prefixes(string given, string expected) =>
        Assert.Equal(expected, Assert.Single(WebhookListener.NormalizePrefixes(new[] { given })));

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8080/a?b=c")]
    public void Refuses_what_is_not_a_prefix(string given) =>
        Assert.Throws<ArgumentException>(() => WebhookListener.NormalizePrefixes(new[] { given }));
}
