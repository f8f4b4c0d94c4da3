using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// Hosts a <see cref="WebhookProcessor"/> on HTTP prefixes (HttpListener, e.g. <c>http://127.0.0.1:8080/genesys/</c>)
    /// until cancelled. Several callbacks are handled at once, each answered as soon as it is recorded; a slow or
    /// oversized request never holds more than its own slot.
    /// </summary>
    public sealed class WebhookListener : IDisposable
    {
        /// <summary>How long a request may take to send its body; a sender that stalls longer gets no answer.</summary>
        public static readonly TimeSpan BodyReadTimeout = TimeSpan.FromSeconds(30);

        /// <summary>Requests whose bodies are being read at once; past this, a new request is answered 503 at once.</summary>
        public const int MaxPendingBodies = 256;

        private int _reading;

        /// <summary>
        /// How long this listener lets a request take to send its body (default <see cref="BodyReadTimeout"/>). The
        /// deadline closes the connection itself: HttpListener on Linux ignores a cancelled read, so a client that sends
        /// headers and never a body would otherwise hold its request forever.
        /// </summary>
        public TimeSpan BodyTimeout { get; set; } = BodyReadTimeout;

        /// <summary>On stop, in-flight callbacks get this long to finish and be answered before the listener closes.</summary>
        public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1.5);

        private static readonly byte[] Empty = Array.Empty<byte>();

        private readonly WebhookProcessor _processor;
        private readonly HttpListener _listener = new HttpListener();
        private readonly SemaphoreSlim _slots;
        private readonly List<Task> _inFlight = new List<Task>();
        private int _disposed;

        public WebhookListener(WebhookProcessor processor, IEnumerable<string> prefixes, int maxConcurrentRequests = 16)
        {
            _processor = processor ?? throw new ArgumentNullException(nameof(processor));
            if (maxConcurrentRequests < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConcurrentRequests), "At least one request must be allowed at a time.");
            }

            Prefixes = NormalizePrefixes(prefixes);
            _slots = new SemaphoreSlim(maxConcurrentRequests);
            foreach (string prefix in Prefixes)
            {
                _listener.Prefixes.Add(prefix);
            }
        }

        /// <summary>The prefixes listened on, each ending in '/'.</summary>
        public IReadOnlyList<string> Prefixes { get; }

        public bool IsListening => _disposed == 0 && _listener.IsListening;

        /// <summary>
        /// Checks and completes prefixes: absolute http or https URLs, a trailing '/' added where missing (HttpListener
        /// requires it). Throws ArgumentException naming the bad one.
        /// </summary>
        public static IReadOnlyList<string> NormalizePrefixes(IEnumerable<string> prefixes)
        {
            var result = new List<string>();
            foreach (string raw in prefixes ?? Enumerable.Empty<string>())
            {
                string prefix = (raw ?? string.Empty).Trim();
                if (!prefix.EndsWith("/", StringComparison.Ordinal))
                {
                    prefix += "/";
                }

                // HttpListener's wildcard hosts (+ and *) are not URI hosts; check the rest with a stand-in.
                string checkable = prefix.Replace("://+", "://wildcard").Replace("://*", "://wildcard");
                if (!Uri.TryCreate(checkable, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                    || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                {
                    throw new ArgumentException($"'{raw}' is not an HTTP listener prefix such as http://127.0.0.1:8080/genesys/.");
                }

                result.Add(prefix);
            }

            if (result.Count == 0)
            {
                throw new ArgumentException("At least one prefix is required, such as http://127.0.0.1:8080/genesys/.");
            }

            return result;
        }

        /// <summary>Starts listening; throws HttpListenerException when a prefix is taken or not allowed to this user.</summary>
        public void Start()
        {
            if (!HttpListener.IsSupported)
            {
                throw new PlatformNotSupportedException("HttpListener is not supported on this platform.");
            }

            _listener.Start();
        }

        /// <summary>
        /// Serves until <paramref name="cancellationToken"/> is cancelled, then lets in-flight callbacks finish for up
        /// to <see cref="StopGrace"/> and closes. <paramref name="onResult"/> receives every answered request (on a
        /// thread-pool thread); <paramref name="onError"/> an unexpected failure of one request, which was answered 500.
        /// </summary>
        public async Task RunAsync(Action<WebhookResult> onResult, Action<Exception>? onError, CancellationToken cancellationToken)
        {
            if (!_listener.IsListening)
            {
                Start();
            }

            var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => stopped.TrySetResult(true)))
            {
                try
                {
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        Task<HttpListenerContext> next = _listener.GetContextAsync();
                        if (await Task.WhenAny(next, stopped.Task).ConfigureAwait(false) != next)
                        {
                            // Closing below fails the pending accept; observe it so it is not reported as unobserved.
                            _ = next.ContinueWith(t => t.Exception, TaskScheduler.Default);
                            break;
                        }

                        HttpListenerContext context;
                        try
                        {
                            context = await next.ConfigureAwait(false);
                        }
                        catch (HttpListenerException) when (cancellationToken.IsCancellationRequested || !_listener.IsListening)
                        {
                            break;
                        }

                        long started = Stopwatch.GetTimestamp();
                        // The accept loop never waits for a slot: a request first reads its body under its own
                        // deadline, and only then waits for one of the processing slots. Slow or idle senders cannot
                        // keep a genuine callback from being read.
                        if (Interlocked.Increment(ref _reading) > MaxPendingBodies)
                        {
                            Interlocked.Decrement(ref _reading);
                            TryRespond(context.Response, 503, "{\"error\":\"busy\"}");
                            continue;
                        }

                        Task handling = Task.Run(() => HandleAsync(context, started, onResult, onError, cancellationToken));
                        lock (_inFlight)
                        {
                            _inFlight.RemoveAll(t => t.IsCompleted);
                            _inFlight.Add(handling);
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
                catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested || _disposed != 0)
                {
                }
                finally
                {
                    Task[] pending;
                    lock (_inFlight)
                    {
                        pending = _inFlight.ToArray();
                    }

                    await Task.WhenAny(Task.WhenAll(pending), Task.Delay(StopGrace)).ConfigureAwait(false);
                    CloseListener();
                }
            }
        }

        private async Task HandleAsync(HttpListenerContext context, long started, Action<WebhookResult> onResult, Action<Exception>? onError, CancellationToken cancellationToken)
        {
            bool reading = true;
            bool slot = false;
            try
            {
                HttpListenerRequest request = context.Request;
                var info = new WebhookRequestInfo
                {
                    Method = request.HttpMethod,
                    Target = request.Url?.AbsolutePath,
                    RemoteAddress = request.RemoteEndPoint?.Address.ToString(),
                    StartTimestamp = started,
                };

                WebhookResult result;
                int max = _processor.Options.MaxBodyBytes;
                byte[]? body = null;
                bool post = string.Equals(request.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase);
                if (post && request.ContentLength64 <= max)
                {
                    BodyRead read = await ReadBodyAsync(context, max, BodyTimeout).ConfigureAwait(false);
                    if (read.TimedOut)
                    {
                        // The sender did not deliver its body in time: the connection is already closed.
                        onResult(await _processor.RefuseAsync(408, WebhookReasons.BodyTimeout, $"The body did not arrive within {BodyTimeout.TotalSeconds} s; the connection was closed.", 0, info).ConfigureAwait(false));
                        return;
                    }

                    if (read.Cut)
                    {
                        // The sender hung up (or its connection broke) before its body was complete: nobody is left to
                        // answer, and nothing arrived that could be recorded. Its retry is processed as new.
                        Abort(context.Response);
                        long declared = request.ContentLength64;
                        onResult(await _processor.RefuseAsync(
                            400,
                            WebhookReasons.BodyIncomplete,
                            $"The sender closed the connection after {read.Received} {(declared > 0 ? "of " + declared + " " : string.Empty)}bytes of its body; nothing was recorded, and no answer could be sent.",
                            read.Received,
                            info).ConfigureAwait(false));
                        return;
                    }

                    body = read.Body;
                }

                Interlocked.Decrement(ref _reading);
                reading = false;
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                slot = true;
                if (!string.Equals(request.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.AddHeader("Allow", "POST");
                    result = await _processor.RefuseAsync(405, WebhookReasons.MethodNotAllowed, $"{request.HttpMethod} is not accepted; callbacks are POSTed.", 0, info).ConfigureAwait(false);
                }
                else if (request.ContentLength64 > max)
                {
                    // Refused on the declared length without reading: an oversized body never occupies memory.
                    result = await _processor.RefuseAsync(413, WebhookReasons.BodyTooLarge, $"The body declares {request.ContentLength64} bytes; at most {max} are accepted.", request.ContentLength64, info).ConfigureAwait(false);
                }
                else
                {
                    result = body is null
                        ? await _processor.RefuseAsync(413, WebhookReasons.BodyTooLarge, $"The body is longer than {max} bytes.", max + 1L, info).ConfigureAwait(false)
                        : await _processor.ProcessAsync(body, WebhookHeaders.From(request.Headers), info).ConfigureAwait(false);
                }

                if (!TryAnswer(context.Response, result))
                {
                    // The sender hung up after its whole request, before its answer: the callback was processed as
                    // the result says, and only the answer was lost. Not a failure of the listener; audited as such.
                    await AnswerUndeliveredAsync(result, info).ConfigureAwait(false);
                }

                onResult(result);
            }
            catch (Exception ex)
            {
                TryRespond(context.Response, 500, "{\"error\":\"internal error\"}");
                onError?.Invoke(ex);
            }
            finally
            {
                if (reading)
                {
                    Interlocked.Decrement(ref _reading);
                }

                try
                {
                    if (slot)
                    {
                        _slots.Release();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // A request that outlived the stop grace finishes after the listener was disposed.
                }
            }
        }

        /// <summary>
        /// Reads the whole body. Too large (past <paramref name="max"/> bytes: chunked bodies have no declared length)
        /// gives no body; at the deadline the connection is aborted, which ends the pending read; a sender that closes
        /// the connection before its body is complete gives what arrived, marked cut.
        /// </summary>
        private static async Task<BodyRead> ReadBodyAsync(HttpListenerContext context, int max, TimeSpan deadline)
        {
            Stream input = context.Request.InputStream;
            long declared = context.Request.ContentLength64;
            using (var timeout = new CancellationTokenSource(deadline))
            using (timeout.Token.Register(() =>
            {
                try
                {
                    // HttpListener on Linux writes the response head when it aborts a connection; without a status it
                    // says 200 OK, and the sender would take an unrecorded callback as delivered and never retry it.
                    context.Response.StatusCode = 408;
                    context.Response.KeepAlive = false;
                }
                catch (Exception)
                {
                }

                Abort(context.Response);
            }))
            using (var buffer = new MemoryStream())
            {
                byte[] chunk = new byte[16384];
                try
                {
                    while (true)
                    {
                        int read = await input.ReadAsync(chunk, 0, chunk.Length, timeout.Token).ConfigureAwait(false);
                        if (timeout.IsCancellationRequested)
                        {
                            return BodyRead.Late();
                        }

                        if (read == 0)
                        {
                            // The end of the body, or of a connection that ended before the declared length arrived.
                            return declared > 0 && buffer.Length < declared ? BodyRead.Incomplete(buffer.Length) : BodyRead.Whole(buffer.ToArray());
                        }

                        if (buffer.Length + read > max)
                        {
                            return BodyRead.TooLarge();
                        }

                        buffer.Write(chunk, 0, read);
                    }
                }
                catch (Exception) when (timeout.IsCancellationRequested)
                {
                    return BodyRead.Late();
                }
                catch (Exception ex) when (ex is HttpListenerException || ex is IOException || ex is ObjectDisposedException)
                {
                    // The connection was closed or reset mid-body (HttpListener reports it as a failed read).
                    return BodyRead.Incomplete(buffer.Length);
                }
            }
        }

        /// <summary>What reading a request's body came to.</summary>
        private readonly struct BodyRead
        {
            private BodyRead(byte[]? body, long received, bool timedOut, bool cut)
            {
                Body = body;
                Received = received;
                TimedOut = timedOut;
                Cut = cut;
            }

            /// <summary>The whole body; null when it was not read whole (too large, too late, cut).</summary>
            public byte[]? Body { get; }

            /// <summary>The bytes that arrived before the connection ended.</summary>
            public long Received { get; }

            /// <summary>The deadline passed; the connection is closed.</summary>
            public bool TimedOut { get; }

            /// <summary>The sender closed the connection (or it broke) before the body was complete.</summary>
            public bool Cut { get; }

            public static BodyRead Whole(byte[] body) => new BodyRead(body, body.Length, timedOut: false, cut: false);

            public static BodyRead TooLarge() => new BodyRead(null, 0, timedOut: false, cut: false);

            public static BodyRead Late() => new BodyRead(null, 0, timedOut: true, cut: false);

            public static BodyRead Incomplete(long received) => new BodyRead(null, received, timedOut: false, cut: true);
        }

        private static void Abort(HttpListenerResponse response)
        {
            try
            {
                response.Abort();
            }
            catch (Exception)
            {
            }
        }

        private static void Respond(HttpListenerResponse response, int statusCode, string body)
        {
            byte[] bytes = string.IsNullOrEmpty(body) ? Empty : Encoding.UTF8.GetBytes(body);
            response.StatusCode = statusCode;
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes, 0, bytes.Length);
            response.Close();
        }

        /// <summary>Writes the answer; false when the connection is gone (the sender closed or reset it).</summary>
        private static bool TryAnswer(HttpListenerResponse response, WebhookResult result)
        {
            try
            {
                Respond(response, result.StatusCode, result.ResponseBody);
                return true;
            }
            catch (Exception ex) when (ex is HttpListenerException || ex is IOException || ex is ObjectDisposedException)
            {
                Abort(response);
                return false;
            }
        }

        /// <summary>Notes on the result, and in the audit log, that the answer to a processed callback did not reach its sender.</summary>
        private Task AnswerUndeliveredAsync(WebhookResult result, WebhookRequestInfo info)
        {
            string kept = result.Accepted || result.Duplicate
                ? "the callback is recorded, and a retry of it is answered as a duplicate"
                : "nothing was recorded";
            string detail = $"The sender closed the connection before the answer could be sent ({result.StatusCode} {result.Outcome}); {kept}.";
            result.Detail = result.Detail is null ? detail : result.Detail + " " + detail;
            return _processor.Audit.WriteAsync(new[]
            {
                new Audit.AuditRecord(WebhookAuditOperations.AnswerUndelivered, Audit.AuditOutcomes.Cancelled)
                {
                    CorrelationId = _processor.Options.CorrelationId,
                    ConversationId = result.ConversationId,
                    HttpMethod = info.Method ?? "POST",
                    Target = info.Target,
                    HttpStatus = result.StatusCode,
                    ErrorCode = WebhookReasons.AnswerUndelivered,
                    // The event id comes from the network: capped, as the processor caps it.
                    Detail = (result.EventId is null ? string.Empty : "event " + result.EventSource + "/" + (result.EventId.Length <= 200 ? result.EventId : result.EventId.Substring(0, 200) + "…") + "; ")
                        + detail + (info.RemoteAddress is null ? string.Empty : "; from " + info.RemoteAddress),
                },
            });
        }

        private static void TryRespond(HttpListenerResponse response, int statusCode, string body)
        {
            try
            {
                Respond(response, statusCode, body);
            }
            catch (Exception)
            {
                // The answer may already be on the wire, or the client gone; nothing more can be said to it.
                Abort(response);
            }
        }

        private void CloseListener()
        {
            try
            {
                if (_listener.IsListening)
                {
                    _listener.Stop();
                }

                _listener.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                CloseListener();
                _slots.Dispose();
            }
        }
    }
}
