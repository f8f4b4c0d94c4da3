namespace GenesysFileTransfer.Emulator.State;

/// <summary>
/// One request as the emulator saw it, for tests that assert on what a client sent (for example that no Genesys
/// Authorization header leaked to the storage PUT, or that uploads were not chunked).
/// </summary>
/// <param name="Path">The path only; query strings are left out because presigned URLs carry signatures.</param>
/// <param name="Status">The response status; 0 when the connection was aborted before an answer.</param>
/// <param name="Fault">The injected fault action that hit the request (<c>status</c>, <c>hang</c>, <c>drop</c>,
/// <c>dropresponse</c>), or null.</param>
/// <param name="HandledStatus">For <c>dropresponse</c>: the status the request was handled with, which the client
/// never saw.</param>
public sealed record RequestLogEntry(
    DateTimeOffset Time,
    string Method,
    string Route,
    string Path,
    int Status,
    bool HadAuthorizationHeader,
    long? ContentLength,
    string? TransferEncoding,
    IReadOnlyList<string> HeaderNames,
    string CorrelationId,
    bool Aborted,
    string? Fault = null,
    int? HandledStatus = null);
