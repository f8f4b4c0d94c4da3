using System.Text;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Auth;

/// <summary>The login host's client-credentials grant.</summary>
internal static class OAuthEndpoints
{
    private const string ClientCredentials = "client_credentials";

    /// <summary>Grants Genesys knows but a client-credentials client may not use: refused as unauthorized_client.</summary>
    private static readonly HashSet<string> OtherKnownGrants = new(StringComparer.Ordinal)
    {
        "authorization_code",
        "refresh_token",
        "password",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    };

    public static void Map(IEndpointRouteBuilder app)
        => app.MapPost("/oauth/token", IssueTokenAsync).WithEmulatorRoute(EmulatorRoute.Token, BearerMode.None);

    private static async Task<IResult> IssueTokenAsync(HttpContext context, EmulatorOptions options, EmulatorState state)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";

        // Client authentication comes first, as in RFC 6749: a stranger learns nothing about grants.
        if (!TryReadBasicCredentials(context.Request, out var clientId, out var clientSecret)
            || !string.Equals(clientId, options.ClientId, StringComparison.Ordinal)
            || !string.Equals(clientSecret, options.ClientSecret, StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"oauth\"";
            return OAuthError(401, "invalid_client", "client authentication failed");
        }

        string? grant = null;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            grant = form["grant_type"].ToString();
        }

        if (string.IsNullOrEmpty(grant))
            return OAuthError(400, "unsupported_grant_type", "grant_type is required");
        if (OtherKnownGrants.Contains(grant))
            return OAuthError(400, "unauthorized_client", $"client is not authorized to use the {grant} grant type");
        if (!string.Equals(grant, ClientCredentials, StringComparison.Ordinal))
            return OAuthError(400, "unsupported_grant_type", $"grant type {grant} is not supported");

        var token = state.Tokens.Issue(options.UtcNow, options.TokenLifetimeSeconds);
        return EmulatorJson.Ok(new TokenResponse(token.Value, "bearer", options.TokenLifetimeSeconds));
    }

    /// <summary>The OAuth-style error body of the login host (not the platform ErrorBody).</summary>
    public static IResult OAuthError(int status, string error, string description)
        => EmulatorJson.Json(new OAuthErrorResponse(error, description, description), status);

    private static bool TryReadBasicCredentials(HttpRequest request, out string clientId, out string clientSecret)
    {
        clientId = clientSecret = string.Empty;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            // The .NET SDK encodes with ISO-8859-1, so decode the same way.
            var decoded = Encoding.Latin1.GetString(Convert.FromBase64String(header[scheme.Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return false;
            clientId = decoded[..colon];
            clientSecret = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

internal sealed record TokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

internal sealed record OAuthErrorResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
    [property: System.Text.Json.Serialization.JsonPropertyName("description")] string Description,
    [property: System.Text.Json.Serialization.JsonPropertyName("error_description")] string ErrorDescription);
