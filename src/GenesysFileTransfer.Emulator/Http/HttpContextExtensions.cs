namespace GenesysFileTransfer.Emulator.Http;

internal static class HttpContextExtensions
{
    private const string CorrelationIdKey = "emulator.correlation-id";
    public const string CorrelationHeader = "ININ-Correlation-Id";

    public static void SetCorrelationId(this HttpContext context, string correlationId)
    {
        context.Items[CorrelationIdKey] = correlationId;
        context.Response.Headers[CorrelationHeader] = correlationId;
    }

    public static string CorrelationId(this HttpContext context)
        => context.Items[CorrelationIdKey] as string ?? string.Empty;

    /// <summary>
    /// The address the client used to reach us, so URLs handed out (upload, download, selfUri-like links) work for
    /// whichever host name or loopback address the caller chose.
    /// </summary>
    public static string BaseUrl(this HttpContext context)
    {
        var request = context.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}/";
    }
}
