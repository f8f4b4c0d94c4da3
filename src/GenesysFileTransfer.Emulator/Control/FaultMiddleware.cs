using System.Globalization;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator.Auth;
using GenesysFileTransfer.Emulator.Hosting;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace GenesysFileTransfer.Emulator.Control;

/// <summary>
/// Applies fault rules before authentication, the way a failing load balancer or platform outage would hit a client
/// regardless of its credentials.
/// </summary>
internal sealed class FaultMiddleware(RequestDelegate next, FaultInjector faults)
{
    private const int DropReadBytes = 16 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var route = EmulatorRoute.Of(context);
        var fault = route is null || route.Name == EmulatorRoute.Control ? null : faults.TryTake(route.Name, context.Request.Method);
        if (fault is null)
        {
            await next(context);
            return;
        }

        RequestLogMiddleware.MarkFault(context, fault.Action);
        switch (fault.Action)
        {
            case FaultAction.Hang:
                try
                {
                    // Wall-clock on purpose: a hang is about the network, not the emulated clock.
                    await Task.Delay(fault.HangMs ?? 0, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await next(context);
                return;
            case FaultAction.Drop:
                await DropAsync(context);
                return;
            case FaultAction.DropResponse:
                await DropResponseAsync(context, next);
                return;
            default:
                await StatusResponse(context, route!.Name, fault).ExecuteAsync(context);
                return;
        }
    }

    /// <summary>
    /// Cuts the connection mid-body: part of an upload is read and then the socket is aborted; a request without a
    /// body gets the start of a response that never finishes.
    /// </summary>
    private static async Task DropAsync(HttpContext context)
    {
        RequestLogMiddleware.MarkDropping(context);
        var request = context.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            var buffer = new byte[DropReadBytes];
            try
            {
                // Part of the body, never all of it: the client must be cut off while it is still sending.
                var partLength = (int)Math.Min(buffer.Length, Math.Max(1, (request.ContentLength ?? buffer.Length) / 2));
                await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, partLength), partLength, throwOnEndOfStream: false, context.RequestAborted);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
            {
            }
        }
        else
        {
            var partial = "{\"partial\":"u8.ToArray();
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1024;
            await context.Response.Body.WriteAsync(partial, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        RequestLogMiddleware.RecordNow(context);
        context.Abort();
    }

    /// <summary>
    /// Lets the request run to the end (authentication, the handler and everything it sets off) with the answer
    /// written nowhere, then aborts the connection: the client gets no status line, no header, no byte, exactly as
    /// when a proxy resets the connection after the server acted.
    /// </summary>
    private static async Task DropResponseAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        var swallowed = new StreamResponseBodyFeature(Stream.Null);
        context.Features.Set<IHttpResponseBodyFeature>(swallowed);
        try
        {
            await next(context);
        }
        finally
        {
            await swallowed.CompleteAsync();
            context.Features.Set(original);
            RequestLogMiddleware.MarkResponseDropped(context);
            RequestLogMiddleware.RecordNow(context);
            context.Abort();
        }
    }

    private static IResult StatusResponse(HttpContext context, string route, FaultRule fault)
    {
        var status = fault.Status ?? 500;
        if (fault.RetryAfterSeconds is { } retryAfter && (status == 429 || status == 503))
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);

        if (fault.Body is { } body)
        {
            var text = body.ValueKind == JsonValueKind.String ? body.GetString() ?? string.Empty : body.GetRawText();
            var contentType = route is EmulatorRoute.S3 or EmulatorRoute.ObjectStore ? "application/xml" : "application/json";
            return Results.Content(text, contentType, Encoding.UTF8, status);
        }

        if (route is EmulatorRoute.S3 or EmulatorRoute.ObjectStore)
        {
            var (code, message) = S3Errors.Standard(status);
            return S3Errors.Error(context, status, code, message);
        }

        if (route == EmulatorRoute.Token)
        {
            // The login host's error format; for the status codes OAuth does not name, an emulator choice.
            var error = status switch
            {
                401 => "invalid_client",
                429 or >= 500 => "temporarily_unavailable",
                _ => "invalid_request",
            };
            return OAuthEndpoints.OAuthError(status, error, $"injected fault: HTTP {status.ToString(CultureInfo.InvariantCulture)}");
        }

        var (standardCode, standardMessage) = GenesysErrors.Standard(status);
        if (status == 429) standardMessage = GenesysErrors.RateLimitMessage(fault.RetryAfterSeconds ?? 1);
        return GenesysErrors.Error(context, status, standardCode, standardMessage);
    }
}
