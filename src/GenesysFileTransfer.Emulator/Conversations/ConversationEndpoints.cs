using System.Text.Json;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.Media;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Conversations;

/// <summary>
/// Reading back what a messaging conversation holds: the conversation with its participants and their message ids,
/// the messages in batch, one message. This is how a client that lost the answer to a send finds out whether the
/// message was posted before it sends again.
/// </summary>
internal static class ConversationEndpoints
{
    public const string ConversationPath = "/api/v2/conversations/messages/{conversationId}";

    /// <summary>"The max messages you can request in the body is 1,000." (SDK, PostConversationsMessageMessagesBulk)</summary>
    public const int MaxBulkMessageIds = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(ConversationPath, GetConversation).WithEmulatorRoute(EmulatorRoute.Conversations, BearerMode.Required);
        app.MapPost(ConversationPath + "/messages/bulk", GetMessagesInBatchAsync).WithEmulatorRoute(EmulatorRoute.Conversations, BearerMode.Required);
        app.MapGet(ConversationPath + "/messages/{messageId}", GetMessage).WithEmulatorRoute(EmulatorRoute.Conversations, BearerMode.Required);
    }

    private static IResult GetConversation(HttpContext context, string conversationId, EmulatorState state)
    {
        if (state.FindConversation(conversationId) is not { } conversation)
            return GenesysErrors.NotFound(context, "Conversation", conversationId);

        var id = conversation.ConversationId;
        var messages = state.MessagesOf(id)
            .Select(m => new MessageDetails(m.Id, MessageEndpoints.MessageSelfUri(id, m.Id), "sent", 1, MessageEndpoints.FormatTimestamp(m.Timestamp)))
            .ToArray();
        return EmulatorJson.Ok(new MessageConversation(
            id,
            [
                new MessageMediaParticipant(CustomerParticipantId(id), "Emulator customer", "customer", "connected", "inbound", false, "open", []),
                new MessageMediaParticipant(conversation.CommunicationId, "Emulator agent", "agent", "connected", "inbound", false, "open", messages),
            ],
            $"/api/v2/conversations/messages/{id}"));
    }

    private static async Task<IResult> GetMessagesInBatchAsync(HttpContext context, string conversationId, EmulatorState state)
    {
        if (state.FindConversation(conversationId) is not { } conversation)
            return GenesysErrors.NotFound(context, "Conversation", conversationId);

        var (ids, error) = await ReadMessageIdsAsync(context);
        if (error is not null) return error;

        var normalizedOnly = MessageEndpoints.WantsNormalizedOnly(context);
        var entities = new List<MessageData>();
        foreach (var id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            // Ids this conversation does not hold are left out (an emulator choice; the SDK does not say).
            if (FindIn(state, conversation.ConversationId, id) is { } data)
                entities.Add(normalizedOnly ? MessageEndpoints.NormalizedOnly(data) : data);
        }

        return EmulatorJson.Ok(new TextMessageListing(entities));
    }

    private static IResult GetMessage(HttpContext context, string conversationId, string messageId, EmulatorState state)
    {
        if (state.FindConversation(conversationId) is not { } conversation)
            return GenesysErrors.NotFound(context, "Conversation", conversationId);
        if (FindIn(state, conversation.ConversationId, messageId) is not { } data)
            return GenesysErrors.NotFound(context, "Message", messageId);
        return EmulatorJson.Ok(MessageEndpoints.WantsNormalizedOnly(context) ? MessageEndpoints.NormalizedOnly(data) : data);
    }

    private static MessageData? FindIn(EmulatorState state, string conversationId, string messageId)
        => state.FindMessage(messageId) is { Data: { } data } message
           && string.Equals(message.ConversationId, conversationId, StringComparison.OrdinalIgnoreCase)
            ? data
            : null;

    /// <summary>
    /// The body: a JSON array of message ids. The SDK marks it optional, so no body at all asks for nothing; anything
    /// that is not an array of non-empty strings is malformed.
    /// </summary>
    private static async Task<(IReadOnlyList<string> Ids, IResult? Error)> ReadMessageIdsAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0) return ([], null);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException)
        {
            return ([], GenesysErrors.MalformedBody(context));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array) return ([], GenesysErrors.MalformedBody(context));
            var ids = new List<string>();
            foreach (var item in root.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                    return ([], GenesysErrors.MalformedBody(context));
                ids.Add(item.GetString()!);
            }

            if (ids.Count > MaxBulkMessageIds)
                return ([], GenesysErrors.BadRequest(context, $"The max messages you can request in the body is {MaxBulkMessageIds:N0}."));
            return (ids, null);
        }
    }

    /// <summary>The customer's participant id: fixed per conversation, so repeated reads agree.</summary>
    internal static string CustomerParticipantId(string conversationId)
    {
        var hash = System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes("customer:" + conversationId.ToLowerInvariant()));
        return new Guid(hash).ToString();
    }
}
