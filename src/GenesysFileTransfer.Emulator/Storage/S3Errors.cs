using System.Security;
using System.Text;

namespace GenesysFileTransfer.Emulator.Storage;

/// <summary>S3's XML error documents, with S3's codes and wording.</summary>
internal static class S3Errors
{
    public static IResult Error(HttpContext context, int status, string code, string message)
    {
        var requestId = RequestId(context);
        context.Response.Headers["x-amz-request-id"] = requestId;
        var xml = new StringBuilder()
            .Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>").Append(SecurityElement.Escape(code))
            .Append("</Code><Message>").Append(SecurityElement.Escape(message))
            .Append("</Message><RequestId>").Append(requestId)
            .Append("</RequestId></Error>")
            .ToString();
        return Results.Content(xml, "application/xml", Encoding.UTF8, status);
    }

    /// <summary>S3 request ids are 16 upper-case hex characters; derive ours from the correlation id.</summary>
    public static string RequestId(HttpContext context)
    {
        var hex = Http.HttpContextExtensions.CorrelationId(context).Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        return hex.Length >= 16 ? hex[..16] : hex.PadRight(16, '0');
    }

    public static IResult SignatureDoesNotMatch(HttpContext context) => Error(context, 403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.");

    public static IResult Expired(HttpContext context) => Error(context, 403, "AccessDenied", "Request has expired");

    public static IResult AccessDenied(HttpContext context) => Error(context, 403, "AccessDenied", "Access Denied");

    public static IResult OnlyOneAuthMechanism(HttpContext context) => Error(context, 400, "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");

    public static IResult MissingContentLength(HttpContext context)
        => Error(context, 411, "MissingContentLength", "You must provide the Content-Length HTTP header.");

    public static IResult IncompleteBody(HttpContext context)
        => Error(context, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header");

    public static IResult TooManyBytes(HttpContext context, long declared)
        => Error(context, 400, "BadRequest", $"The request body is longer than the {declared} bytes this upload was created for.");

    public static IResult InvalidDigest(HttpContext context)
        => Error(context, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.");

    public static IResult BadDigest(HttpContext context)
        => Error(context, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");

    public static IResult NoSuchKey(HttpContext context)
        => Error(context, 404, "NoSuchKey", "The specified key does not exist.");

    /// <summary>
    /// S3's answer for an upload that no longer exists ("The upload ID may be invalid, or the upload may have been
    /// aborted or completed"): the closest S3 error for a presigned upload whose media Genesys has forgotten.
    /// </summary>
    public static IResult NoSuchUpload(HttpContext context) => Error(context, 404, "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    /// <summary>The S3 code a fault rule's bare status maps to.</summary>
    public static (string Code, string Message) Standard(int status) => status switch
    {
        400 => ("BadRequest", "Bad Request"),
        403 => ("AccessDenied", "Access Denied"),
        404 => ("NoSuchKey", "The specified key does not exist."),
        408 => ("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."),
        411 => ("MissingContentLength", "You must provide the Content-Length HTTP header."),
        500 => ("InternalError", "We encountered an internal error. Please try again."),
        503 => ("SlowDown", "Please reduce your request rate."),
        _ => ("InternalError", "We encountered an internal error. Please try again."),
    };
}
