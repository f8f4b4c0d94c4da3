namespace GenesysFileTransfer.Emulator.State;

/// <summary>A messaging conversation and the agent communication media can be attached to.</summary>
public sealed record ConversationRecord(string ConversationId, string CommunicationId);
