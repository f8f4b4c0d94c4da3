using System.Text.Json;
using System.Text.Json.Serialization;

namespace GenesysFileTransfer.Emulator.Control;

internal sealed record SettingsView(
    string ClientId,
    int TokenLifetimeSeconds,
    int UploadUrlLifetimeSeconds,
    int DownloadUrlLifetimeSeconds,
    int ValidationDelayMs,
    long MaxContentLengthBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RateLimitSettings? RateLimit,
    IReadOnlyList<string> OutboundMediaTypes,
    IReadOnlyList<string> InboundMediaTypes,
    bool StrictSingleBodyField,
    bool RejectAuthorizationOnPresignedUrl,
    int RequestLogCapacity)
{
    public static SettingsView Of(EmulatorOptions o) => new(
        o.ClientId, o.TokenLifetimeSeconds, o.UploadUrlLifetimeSeconds, o.DownloadUrlLifetimeSeconds, o.ValidationDelayMs,
        o.MaxContentLengthBytes, o.RateLimit, o.OutboundMediaTypes, o.InboundMediaTypes, o.StrictSingleBodyField,
        o.RejectAuthorizationOnPresignedUrl, o.RequestLogCapacity);
}

internal sealed record FaultRequest(
    string? Route,
    string? Method,
    int? Count,
    string? Action,
    int? Status,
    int? RetryAfterSeconds,
    int? HangMs,
    JsonElement? Body);

internal sealed record ControlError(string Message);

internal sealed record CreatedConversation(string ConversationId, string CommunicationId);

internal sealed record MediaView(
    string Id,
    string Name,
    string Status,
    string ConversationId,
    string CommunicationId,
    long DeclaredContentLengthBytes,
    string DeclaredContentType,
    string? ContentMd5,
    IReadOnlyDictionary<string, string> UploadHeaders,
    string UploadUrl,
    DateTimeOffset CreatedAt,
    DateTimeOffset UploadUrlExpiresAt,
    bool Uploaded,
    DateTimeOffset? UploadedAt,
    DateTimeOffset? ValidationDueAt,
    long? ByteCount,
    string? Sha256,
    string? Md5,
    string? DetectedMediaType,
    string? InvalidReason,
    bool? HadAuthorizationHeader);
