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
    private readonly List<Exception> _errors = new();
    private readonly SemaphoreSlim _arrived = new(0);

    /// <summary>How long a stop may hang before the test fails instead of hanging too (a guard, not a promise).</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    private RunningListener(WebhookSecret secret, WebhookListener listener, FakeWebhookJournal journal, string prefix)
    {
        _secret = secret;
        Listener = listener;
        Journal = journal;
        Prefix = prefix;
        Running = listener.RunAsync(r => { lock (_results) _results.Add(r); _arrived.Release(); }, e => { lock (_errors) _errors.Add(e); }, _stop.Token);
    }

    public WebhookListener Listener { get; }
    public FakeWebhookJournal Journal { get; }
    public string Prefix { get; }
    public Task Running { get; }

    public IReadOnlyList<WebhookResult> Results
    {
        get { lock (_results) return _results.ToArray(); }
    }

    /// <summary>Failures the listener reported for a request (each answered 500), in the order reported.</summary>
    public IReadOnlyList<Exception> Errors
    {
        get { lock (_errors) return _errors.ToArray(); }
    }

    public static RunningListener Start(Action<WebhookOptions>? configure = null, AuditLog? audit = null)
    {
        var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var options = new WebhookOptions(WebhookScheme.OpenMessaging, secret);
        configure?.Invoke(options);
        var journal = new FakeWebhookJournal();
        // A port found free can be taken by another program before the listener binds it (other test runs, other
        // servers on a shared machine): try a few fresh ones before giving up.
        for (int attempt = 1; ; attempt++)
        {
            var prefix = $"http://127.0.0.1:{FreePort()}/genesys/";
            var listener = new WebhookListener(new WebhookProcessor(options, journal, audit ?? AuditLog.Disabled()), new[] { prefix });
            try
            {
                listener.Start();
                return new RunningListener(secret, listener, journal, prefix);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Closing a listener that never bound looks the port up again and can fail the same way.
                try { listener.Dispose(); } catch (HttpListenerException) { }
            }
        }
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

    /// <summary>
    /// Stops the listener and fails the test when its loop ended in an exception or it reported a request's failure:
    /// nothing the listener does is swallowed here.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await Running.WaitAsync(HangGuard);
        }
        finally
        {
            Listener.Dispose();
            _secret.Dispose();
        }

        var errors = Errors;
        if (errors.Count > 0) throw new AggregateException("The listener reported failures of requests.", errors);
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
    public async Task Answers_a_genuine_callback_while_32_idle_connections_hold_on()
    {
        // The idle senders hang up mid-body when the test ends: refusals (body-incomplete), never failures.
        await using var listener = RunningListener.Start();
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 32; i++) idle.Add(await IdleAsync(listener.Prefix, headers: i % 4 != 0));
            var body = AttachmentMessage("msg-busy", "media-busy");

            using var response = await Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // Answered while every idle sender still had its 30-second body deadline ahead: none was refused yet.
            var result = Assert.Single(await listener.WaitForAsync(1));
            Assert.Equal(200, result.StatusCode);
            Assert.True(result.Accepted);
            Assert.Equal(1, listener.Journal.EventCount);
        }
        finally
        {
            foreach (TcpClient client in idle) client.Dispose();
        }
    }

    [Fact]
    public void Gives_a_sender_30_seconds_for_its_body_by_default()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), WebhookListener.BodyReadTimeout);
        using var listener = new WebhookListener(
            new WebhookProcessor(new WebhookOptions(WebhookScheme.OpenMessaging, WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging)), new FakeWebhookJournal(), null),
            new[] { $"http://127.0.0.1:{RunningListener.FreePort()}/genesys/" });
        Assert.Equal(TimeSpan.FromSeconds(30), listener.BodyTimeout);
    }

    [Fact]
    public async Task Closes_a_connection_whose_body_does_not_arrive_in_time_without_an_answer_or_a_record()
    {
        await using var listener = RunningListener.Start();
        listener.Listener.BodyTimeout = TimeSpan.FromSeconds(1);
        using TcpClient stalled = await IdleAsync(listener.Prefix, headers: true);

        // The listener ends the connection (end of stream or reset) at the deadline and says nothing on its way out.
        int answered = 0;
        var received = new System.Text.StringBuilder();
        bool closed = false;
        try
        {
            var buffer = new byte[1024];
            while (true)
            {
                int read = await stalled.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromMinutes(1));
                if (read == 0) { closed = true; break; }
                answered += read;
                received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            closed = true;
        }

        Assert.True(closed);
        // Either a reset without a word (Windows) or, where HttpListener writes a head on abort (Linux), a 408 the
        // sender retries: never a success for a callback that was not recorded.
        Assert.True(answered == 0 || received.ToString().StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), received.ToString());
        var result = Assert.Single(await listener.WaitForAsync(1));
        Assert.Equal(408, result.StatusCode);
        Assert.Equal(WebhookReasons.BodyTimeout, result.Reason);
        Assert.False(result.Accepted);
        Assert.Empty(listener.Journal.RecordedEvents);
        Assert.Empty(listener.Journal.Outbox.GetOutbox(null));
    }

    [Fact]
    public async Task Takes_a_sender_that_hangs_up_mid_body_as_a_refusal_records_nothing_and_keeps_serving()
    {
        // No failure is expected: RunningListener fails the test if the listener reports the hang-up as one.
        await using var listener = RunningListener.Start();
        var uri = new Uri(listener.Prefix);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            byte[] head = System.Text.Encoding.ASCII.GetBytes(
                $"POST {uri.AbsolutePath} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"id\":\"msg-cut");
            await client.GetStream().WriteAsync(head);
            await client.GetStream().FlushAsync();
        }

        var cut = Assert.Single(await listener.WaitForAsync(1));
        Assert.Equal("body-incomplete", cut.Reason);
        Assert.Equal(400, cut.StatusCode);
        Assert.Equal("refused", cut.Outcome);
        Assert.False(cut.Accepted);
        Assert.Equal(14, cut.BodyLength);
        Assert.Contains("500", cut.Detail);
        Assert.Empty(listener.Journal.RecordedEvents);

        // The listener goes on serving: a genuine callback right after is answered and recorded.
        var body = AttachmentMessage("msg-after-cut", "media-after-cut");
        using var response = await Http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, listener.Journal.EventCount);
        Assert.Empty(listener.Errors);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Takes_a_sender_that_hangs_up_after_its_whole_body_as_recorded_not_as_a_failure(bool reset)
    {
        // No failure is expected: RunningListener fails the test if the listener reports the lost answer as one.
        string folder = Directory.CreateTempSubdirectory("gft-hangup-").FullName;
        try
        {
            using AuditLog audit = AuditLog.Open(folder);
            using var hold = new ManualResetEventSlim(false);
            await using var listener = RunningListener.Start(audit: audit);
            listener.Journal.Hold = hold;
            var uri = new Uri(listener.Prefix);
            var body = AttachmentMessage("msg-gone", "media-gone");
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(uri.Host, uri.Port);
                byte[] head = System.Text.Encoding.ASCII.GetBytes(
                    $"POST {uri.AbsolutePath} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {OpenSignature(body)}\r\nContent-Length: {body.Length}\r\n\r\n");
                await client.GetStream().WriteAsync(head.Concat(body).ToArray());

                // The whole body was read and verified: the callback is at the journal, not answered yet.
                var guard = DateTime.UtcNow + TimeSpan.FromMinutes(1);
                while (listener.Journal.Held < 1)
                {
                    if (DateTime.UtcNow > guard) throw new TimeoutException("The callback never reached the journal.");
                    await Task.Delay(20);
                }

                // Gone before the answer: a reset (linger 0), or an orderly close.
                if (reset) client.LingerState = new LingerOption(true, 0);
            }

            hold.Set();
            var gone = Assert.Single(await listener.WaitForAsync(1));

            Assert.Equal("accepted", gone.Outcome);
            Assert.Equal(200, gone.StatusCode);
            Assert.Equal(1, listener.Journal.EventCount);
            Assert.Single(listener.Journal.Outbox.GetOutbox(null));
            if (reset)
            {
                // Where writing the answer fails, the result and the audit log say the answer was lost.
                Assert.Contains("The sender closed the connection before the answer could be sent", gone.Detail);
                string text = ReadAudit(audit.CurrentFile!);
                var answers = text.Split('\n').Where(l => l.Contains("\"operation\":\"webhook-answer\"")).ToArray();
                var answer = Assert.Single(answers);
                Assert.Contains("\"outcome\":\"cancelled\"", answer);
                Assert.Contains("\"httpStatus\":200", answer);
                Assert.Contains("\"errorCode\":\"answer-undelivered\"", answer);
                Assert.Contains("msg-gone", answer);
                Assert.Single(text.Split('\n'), l => l.Contains("\"operation\":\"webhook\"") && l.Contains("\"outcome\":\"success\""));
            }

            // The listener goes on serving.
            var next = AttachmentMessage("msg-after-gone", "media-after-gone");
            using var response = await Http.SendAsync(Post(listener.Prefix, next, OpenSignature(next)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(2, listener.Journal.EventCount);
            Assert.Empty(listener.Errors);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string ReadAudit(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public async Task Accepts_a_body_of_1_MiB_and_refuses_one_byte_more_with_413_recording_nothing()
    {
        Assert.Equal(1024 * 1024, WebhookOptions.DefaultMaxBodyBytes);
        await using var listener = RunningListener.Start();
        byte[] Padded(string messageId, string mediaId, int length)
        {
            // Trailing spaces keep the callback valid JSON; the signature covers them.
            var message = AttachmentMessage(messageId, mediaId);
            var body = new byte[length];
            Array.Fill(body, (byte)' ');
            message.CopyTo(body, 0);
            return body;
        }

        var atCap = Padded("msg-cap", "media-cap", 1024 * 1024);
        using var accepted = await Http.SendAsync(Post(listener.Prefix, atCap, OpenSignature(atCap)));

        // One byte more is refused on the declared length, before any of the body is sent.
        var uri = new Uri(listener.Prefix);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var head = System.Text.Encoding.ASCII.GetBytes(
            $"POST {uri.AbsolutePath} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: {1024 * 1024 + 1}\r\nConnection: close\r\n\r\n");
        await client.GetStream().WriteAsync(head);
        using var reader = new StreamReader(client.GetStream(), System.Text.Encoding.ASCII);
        string? statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.StartsWith("HTTP/1.1 413 ", statusLine);
        var results = await listener.WaitForAsync(2);
        var tooLarge = Assert.Single(results, r => r.StatusCode == 413);
        Assert.Equal(WebhookReasons.BodyTooLarge, tooLarge.Reason);
        Assert.Null(tooLarge.MessageId);
        Assert.Equal(1, listener.Journal.EventCount);
        var queued = Assert.Single(listener.Journal.Outbox.GetOutbox(null));
        Assert.Contains("media-cap", queued.DocumentKey);
    }

    [Fact]
    public async Task Processes_16_callbacks_at_once_and_the_17th_once_a_slot_frees()
    {
        await using var listener = RunningListener.Start();
        using var hold = new ManualResetEventSlim(false);
        listener.Journal.Hold = hold;
        // Each held callback blocks a thread-pool thread, as a slow journal write does; on a small machine the pool
        // would add them one a second, so it gets them up front. The client waits as long as the test needs.
        ThreadPool.GetMinThreads(out int workers, out int ports);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), ports);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            var sends = Enumerable.Range(1, 17).Select(i =>
            {
                var body = AttachmentMessage($"msg-slot-{i}", $"media-slot-{i}");
                return http.SendAsync(Post(listener.Prefix, body, OpenSignature(body)));
            }).ToArray();

            // Sixteen callbacks reach the journal and wait there; the seventeenth waits for a slot, unanswered.
            var guard = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while (listener.Journal.Held < 16)
            {
                if (DateTime.UtcNow > guard) throw new TimeoutException($"Only {listener.Journal.Held} callbacks reached the journal.");
                await Task.Delay(50);
            }

            await Task.Delay(1000);
            Assert.Equal(16, listener.Journal.Held);
            Assert.Empty(listener.Results);
            Assert.All(sends, s => Assert.False(s.IsCompleted));

            hold.Set();
            var responses = await Task.WhenAll(sends);

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var results = await listener.WaitForAsync(17);
            Assert.Equal(17, results.Count(r => r.Accepted));
            Assert.Equal(17, listener.Journal.EventCount);
            foreach (var response in responses) response.Dispose();
        }
        finally
        {
            hold.Set();
            ThreadPool.SetMinThreads(workers, ports);
        }
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
    public async Task Stops_when_cancelled_and_frees_the_port()
    {
        var listener = RunningListener.Start();
        await listener.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(listener.Running.IsCompletedSuccessfully);
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
