using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Hosting;

/// <summary>
/// Outermost step: gives every response its ININ-Correlation-Id and records each non-control request with its
/// final status.
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, EmulatorOptions options, EmulatorState state)
{
    private const string DroppingKey = "emulator.dropping";

    private const string FaultKey = "emulator.fault";
    private const string HandledStatusKey = "emulator.handled-status";
    private const string PendingKey = "emulator.pending-log-entry";

    /// <summary>Marks a response that is about to be cut off, so its log entry says so although it has started.</summary>
    public static void MarkDropping(HttpContext context) => context.Items[DroppingKey] = true;

    /// <summary>
    /// Records the request's entry now, before its connection is cut: a client sees the reset at once, while the
    /// middleware's own bookkeeping would run only afterwards, and a test reading the log right after the client's
    /// error must already find the request there.
    /// </summary>
    public static void RecordNow(HttpContext context)
    {
        if (context.Items[PendingKey] is PendingEntry pending) pending.Record();
    }

    /// <summary>Names the injected fault in the request's log entry.</summary>
    public static void MarkFault(HttpContext context, Control.FaultAction action)
        => context.Items[FaultKey] = action.ToString().ToLowerInvariant();

    /// <summary>
    /// Marks a request that was handled but whose answer is being thrown away and the connection cut: logged as
    /// aborted and unanswered, with the status the client never got.
    /// </summary>
    public static void MarkResponseDropped(HttpContext context)
    {
        context.Items[DroppingKey] = true;
        context.Items[HandledStatusKey] = context.Response.StatusCode;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var correlationId = Guid.NewGuid().ToString();
        context.SetCorrelationId(correlationId);

        // Control calls are the test talking to the emulator, not the client under test; logging them would only
        // bury what the test wants to see.
        if (context.Request.Path.StartsWithSegments("/emulator"))
        {
            await next(context);
            return;
        }

        var pending = new PendingEntry(context, correlationId, options.UtcNow, state.RequestLog);
        context.Items[PendingKey] = pending;

        // Logged as the response starts, not after it: a client that has its answer must already find the request
        // in the log, or a test asserting on the log right after a call would race the server.
        context.Response.OnStarting(static p =>
        {
            ((PendingEntry)p).Record();
            return Task.CompletedTask;
        }, pending);
        try
        {
            await next(context);
        }
        finally
        {
            // Requests that never got an answer (aborted, or the client gave up during a hang).
            pending.Record();
        }
    }

    private sealed class PendingEntry(HttpContext context, string correlationId, DateTimeOffset time, RequestLog log)
    {
        private readonly string[] _headerNames = context.Request.Headers.Keys.ToArray();
        private readonly bool _hadAuthorization = context.Request.Headers.ContainsKey("Authorization");
        private readonly long? _contentLength = context.Request.ContentLength;
        private readonly string? _transferEncoding =
            context.Request.Headers.TransferEncoding.Count > 0 ? context.Request.Headers.TransferEncoding.ToString() : null;
        private int _recorded;

        public void Record()
        {
            if (Interlocked.Exchange(ref _recorded, 1) != 0) return;
            var aborted = context.RequestAborted.IsCancellationRequested || context.Items.ContainsKey(DroppingKey);
            var answered = context.Response.HasStarted || !aborted;
            log.Add(new RequestLogEntry(
                time,
                context.Request.Method,
                EmulatorRoute.Of(context)?.Name ?? EmulatorRoute.Unknown,
                context.Request.Path.Value ?? string.Empty,
                answered ? context.Response.StatusCode : 0,
                _hadAuthorization,
                _contentLength,
                _transferEncoding,
                _headerNames,
                correlationId,
                aborted,
                context.Items[FaultKey] as string,
                context.Items[HandledStatusKey] as int?));
        }
    }
}
