using System.Globalization;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Auth;

/// <summary>
/// Guards /api/v2: bearer token check, then the per-token rate limit and its inin-ratelimit-* headers.
/// </summary>
internal sealed class BearerAuthenticationMiddleware(RequestDelegate next, EmulatorOptions options, EmulatorState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var route = EmulatorRoute.Of(context);
        if (route is null || route.Bearer == BearerMode.None)
        {
            await next(context);
            return;
        }

        var now = options.UtcNow;
        var presented = ReadBearer(context.Request);
        var token = presented is null ? null : state.Tokens.Find(presented, now);
        if (token is null && route.Bearer == BearerMode.Required)
        {
            var failure = presented is null
                ? GenesysErrors.AuthenticationRequired(context)
                : GenesysErrors.BadCredentials(context);
            await failure.ExecuteAsync(context);
            return;
        }

        if (token is not null)
        {
            var decision = token.RateWindow.Register(now, options.RateLimit);
            var headers = context.Response.Headers;
            headers["inin-ratelimit-count"] = decision.Count.ToString(CultureInfo.InvariantCulture);
            headers["inin-ratelimit-allowed"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
            headers["inin-ratelimit-reset"] = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
            if (!decision.Allowed)
            {
                await GenesysErrors.TooManyRequests(context, decision.ResetSeconds).ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header; the scheme is case-insensitive.</summary>
    private static string? ReadBearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var value = header[scheme.Length..].Trim();
        return value.Length == 0 ? null : value;
    }
}
