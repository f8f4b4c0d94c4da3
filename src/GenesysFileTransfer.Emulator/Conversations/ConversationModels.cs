using GenesysFileTransfer.Emulator.Media;

namespace GenesysFileTransfer.Emulator.Conversations;

// Field names as in the .NET SDK's models (build/docs/MessageConversation.md, MessageMediaParticipant.md,
// MessageDetails.md, TextMessageListing.md; JSON names from the DataMember attributes of the generated classes).

/// <summary>MessageConversation: the answer of <c>GET /api/v2/conversations/messages/{conversationId}</c>.</summary>
internal sealed record MessageConversation(
    string Id,
    IReadOnlyList<MessageMediaParticipant> Participants,
    string SelfUri);

/// <summary>MessageMediaParticipant (the subset the emulator can fill truthfully).</summary>
internal sealed record MessageMediaParticipant(
    string Id,
    string Name,
    string Purpose,
    string State,
    string Direction,
    bool Held,
    string Type,
    IReadOnlyList<MessageDetails> Messages);

/// <summary>
/// MessageDetails. The deprecated <c>media</c> and <c>stickers</c> are left out: the SDK says to read a message's
/// media through <c>GET …/messages/{messageId}</c> instead.
/// </summary>
internal sealed record MessageDetails(
    string MessageId,
    string MessageURI,
    string MessageStatus,
    int MessageSegmentCount,
    string MessageTime);

/// <summary>
/// TextMessageListing, the answer of <c>POST …/messages/bulk</c>. Since SDK 176.0.0 it has <c>entities</c> only
/// (pageSize, pageNumber, total, firstUri, pageCount, lastUri, selfUri, nextUri and previousUri were removed).
/// </summary>
internal sealed record TextMessageListing(IReadOnlyList<MessageData> Entities);
