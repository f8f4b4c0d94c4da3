using System.Globalization;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;
using GenesysFileTransfer.Emulator.Storage;

namespace GenesysFileTransfer.Emulator.Media;

/// <summary>Sending a message (text, uploaded media or a template) into the conversation.</summary>
internal static class MessageEndpoints
{
    private const int MaxTextLength = 2000;
    private const string SingleBodyFieldMessage =
        "Only one message body field can be accepted, per request. Example: 1 textBody, 1 mediaId, or 1 messageTemplate.";

    public static void Map(IEndpointRouteBuilder app)
        => app.MapPost(MediaEndpoints.CommunicationPath, SendAsync).WithEmulatorRoute(EmulatorRoute.Messages, BearerMode.Required);

    private static async Task<IResult> SendAsync(
        HttpContext context, string conversationId, string communicationId,
        EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        if (MediaEndpoints.Resolve(context, state, conversationId, communicationId) is { } notFound) return notFound;
        var conversation = state.FindConversation(conversationId, communicationId)!;

        var (body, ok) = await JsonBody.ReadAsync<AdditionalMessage>(context);
        if (!ok || body is null) return GenesysErrors.MalformedBody(context);

        var text = string.IsNullOrEmpty(body.TextBody) ? null : body.TextBody;
        var mediaIds = body.MediaIds ?? [];
        var hasTemplate = body.MessagingTemplate is { ValueKind: not System.Text.Json.JsonValueKind.Null };
        var fields = (text is null ? 0 : 1) + mediaIds.Count + (hasTemplate ? 1 : 0);
        if (fields == 0) return GenesysErrors.BadRequest(context, "A textBody, a mediaId or a messagingTemplate is required.");
        if (fields > 1 && options.StrictSingleBodyField) return GenesysErrors.BadRequest(context, SingleBodyFieldMessage);
        if (text is not null && text.Length > MaxTextLength)
            return GenesysErrors.InvalidValue(context, "textBody", $"textBody must not be longer than {MaxTextLength} characters.");

        var now = options.UtcNow;
        var media = new List<MediaRecord>();
        foreach (var id in mediaIds)
        {
            var record = id is null ? null : state.FindMedia(id);
            if (record is null || !MediaEndpoints.BelongsTo(record, conversationId, communicationId) || record.StatusAt(now) != MediaStatus.Valid)
                return GenesysErrors.BadRequest(context, $"Media [{id}] is not valid");
            media.Add(record);
        }

        var messageId = Guid.NewGuid().ToString("N");
        var attachments = new List<NormalizedContent>();
        var legacyMedia = new List<MessageMedia>();
        foreach (var record in media)
        {
            var upload = record.Upload!;
            var url = MediaEndpoints.DownloadUrl(context, record, options, signer, now);
            legacyMedia.Add(new MessageMedia(url, upload.DetectedMediaType, upload.ByteCount, record.Name, record.Id));
            attachments.Add(new NormalizedContent("Attachment", new ContentAttachment(
                record.Id, MediaTypes.AttachmentCategory(upload.DetectedMediaType), url, upload.DetectedMediaType,
                record.Name, upload.Sha256Hex, upload.ByteCount)));
        }

        // useNormalizedMessage=true asks Genesys to leave out the deprecated fields (textBody, media).
        var normalizedOnly = WantsNormalizedOnly(context);
        var full = new MessageData(
            messageId,
            FormatTimestamp(now),
            "outbound",
            "open",
            "sent",
            text,
            legacyMedia.Count == 0 ? null : legacyMedia,
            hasTemplate ? body.MessagingTemplate : null,
            new NormalizedMessage("Text", text, attachments),
            conversation.ConversationId,
            MessageSelfUri(conversation.ConversationId, messageId));
        var data = normalizedOnly ? NormalizedOnly(full) : full;

        state.AddMessage(new DeliveredMessage(messageId, conversation.ConversationId, conversation.CommunicationId, now, text,
            media.Select(m => m.Id).ToArray()) { Payload = data, Data = full });
        return EmulatorJson.Ok(data);
    }

    /// <summary>MessageData.selfUri, and MessageDetails.messageURI on the conversation: the single-message GET.</summary>
    internal static string MessageSelfUri(string conversationId, string messageId)
        => $"/api/v2/conversations/messages/{conversationId}/messages/{messageId}";

    /// <summary>ISO-8601 with milliseconds, as Genesys writes its timestamps.</summary>
    internal static string FormatTimestamp(DateTimeOffset time)
        => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>"If true, response removes deprecated fields (textBody, media)" (SDK, useNormalizedMessage).</summary>
    internal static MessageData NormalizedOnly(MessageData data) => data with { TextBody = null, Media = null };

    /// <summary>The useNormalizedMessage query parameter: true only when it says so.</summary>
    internal static bool WantsNormalizedOnly(HttpContext context)
        => string.Equals(context.Request.Query["useNormalizedMessage"], "true", StringComparison.OrdinalIgnoreCase);
}
