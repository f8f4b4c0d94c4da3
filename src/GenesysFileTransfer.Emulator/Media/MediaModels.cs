using System.Text.Json;

namespace GenesysFileTransfer.Emulator.Media;

/// <summary>UploadMediaRequest. contentLengthBytes is int32 in Genesys; a long here lets oversize values reach the size check.</summary>
internal sealed record UploadMediaRequest(string? FileName, long? ContentLengthBytes, string? ContentMd5);

internal sealed record MessageMediaUploadData(
    string Id,
    string Name,
    string UploadUrl,
    IReadOnlyDictionary<string, string> UploadHeaders,
    string SelfUri);

internal sealed record MessageMediaData(
    string Id,
    string Name,
    string? Url,
    string? MediaType,
    long ContentLengthBytes,
    string UploadUrl,
    string Status,
    string ConversationId,
    string CommunicationId,
    string SelfUri);

internal sealed record MessageMediaListing(
    IReadOnlyList<MessageMediaData> Entities,
    int PageSize,
    int PageNumber,
    long Total,
    int PageCount,
    string SelfUri,
    string FirstUri,
    string LastUri,
    string? NextUri,
    string? PreviousUri);

internal sealed record AdditionalMessage(string? TextBody, IReadOnlyList<string>? MediaIds, JsonElement? MessagingTemplate);

internal sealed record MessageMedia(string Url, string MediaType, long ContentLengthBytes, string Name, string Id);

internal sealed record ContentAttachment(
    string Id,
    string MediaType,
    string Url,
    string Mime,
    string Filename,
    string Sha256,
    long ContentSizeBytes);

internal sealed record NormalizedContent(string ContentType, ContentAttachment Attachment);

internal sealed record NormalizedMessage(string Type, string? Text, IReadOnlyList<NormalizedContent> Content);

internal sealed record MessageData(
    string Id,
    string Timestamp,
    string Direction,
    string MessengerType,
    string Status,
    string? TextBody,
    IReadOnlyList<MessageMedia>? Media,
    JsonElement? MessagingTemplate,
    NormalizedMessage NormalizedMessage,
    string ConversationId,
    string SelfUri);
