using System.Globalization;

namespace GenesysFileTransfer.Emulator.Http;

/// <summary>An entry of ErrorBody.details.</summary>
internal sealed record ErrorDetail(string? ErrorCode = null, string? FieldName = null, string? EntityId = null);

/// <summary>The platform's ErrorBody; <c>contextId</c> mirrors the ININ-Correlation-Id response header.</summary>
internal sealed record ErrorBody(
    string Message,
    string Code,
    int Status,
    string ContextId,
    IReadOnlyList<ErrorDetail> Details,
    IReadOnlyList<ErrorBody> Errors);

/// <summary>Platform (/api/v2) error responses with the codes and messages Genesys uses.</summary>
internal static class GenesysErrors
{
    public static IResult Error(HttpContext context, int status, string code, string message, params ErrorDetail[] details)
        => EmulatorJson.Json(Body(context, status, code, message, details), status);

    public static ErrorBody Body(HttpContext context, int status, string code, string message, params ErrorDetail[] details)
        => new(message, code, status, context.CorrelationId(), details, []);

    public static IResult AuthenticationRequired(HttpContext context)
        => Error(context, 401, "authentication.required", "No authentication bearer token specified in authorization header.");

    public static IResult BadCredentials(HttpContext context)
        => Error(context, 401, "bad.credentials", "Invalid login credentials.");

    public static IResult NotFound(HttpContext context, string what, string id)
        => Error(context, 404, "not.found", $"{what} [{id}] was not found.", new ErrorDetail(EntityId: id));

    public static IResult BadRequest(HttpContext context, string message)
        => Error(context, 400, "bad.request", message);

    public static IResult MalformedBody(HttpContext context)
        => BadRequest(context, "The request could not be understood by the server due to malformed syntax.");

    public static IResult InvalidValue(HttpContext context, string fieldName, string message)
        => Error(context, 400, "invalid.value", message, new ErrorDetail(FieldName: fieldName));

    public static IResult TooManyRequests(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Error(context, 429, "too.many.requests.retry.after", RateLimitMessage(retryAfterSeconds));
    }

    /// <summary>The normalized 429 text Genesys adopted in 2021.</summary>
    public static string RateLimitMessage(int retryAfterSeconds)
        => $"Rate limit exceeded the maximum. Retry the request in [{retryAfterSeconds.ToString(CultureInfo.InvariantCulture)}] seconds";

    /// <summary>The standard code Genesys pairs with each status in its swagger definitions.</summary>
    public static (string Code, string Message) Standard(int status) => status switch
    {
        400 => ("bad.request", "The request could not be understood by the server due to malformed syntax."),
        401 => ("bad.credentials", "Invalid login credentials."),
        403 => ("not.authorized", "You are not authorized to perform the requested action."),
        404 => ("not.found", "The requested resource was not found."),
        408 => ("request.timeout", "The client did not produce a request within the server timeout limit."),
        409 => ("conflict", "The request conflicts with the current state of the resource."),
        413 => ("request.entity.too.large", "The request is over the size limit."),
        415 => ("unsupported.media.type", "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header."),
        429 => ("too.many.requests.retry.after", "Rate limit exceeded the maximum."),
        500 => ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request."),
        502 => ("bad.gateway", "The server received an invalid response from an upstream server."),
        503 => ("service.unavailable", "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance)."),
        504 => ("request.timeout", "The request timed out."),
        _ => ("error", $"The request failed with status {status.ToString(CultureInfo.InvariantCulture)}."),
    };
}
