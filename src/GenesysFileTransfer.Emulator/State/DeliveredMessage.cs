namespace GenesysFileTransfer.Emulator.State;

/// <summary>A message accepted by <c>POST …/communications/{communicationId}/messages</c>.</summary>
public sealed record DeliveredMessage(
    string Id,
    string ConversationId,
    string CommunicationId,
    DateTimeOffset Timestamp,
    string? TextBody,
    IReadOnlyList<string> MediaIds)
{
    /// <summary>The MessageData JSON object returned to the caller.</summary>
    internal object Payload { get; init; } = new();

    /// <summary>
    /// The message's MessageData in full (textBody and media[] included, whatever the send asked for), which the
    /// read endpoints serve, trimmed when they are asked for the normalized form only.
    /// </summary>
    internal Media.MessageData? Data { get; init; }
}
