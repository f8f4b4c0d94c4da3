using System.Collections.Concurrent;
using GenesysFileTransfer.Emulator.Auth;
using GenesysFileTransfer.Emulator.Storage;

namespace GenesysFileTransfer.Emulator.State;

/// <summary>
/// Everything the emulator remembers: conversations, media, delivered messages, issued tokens and the request log.
/// Safe for concurrent use; public members return snapshots.
/// </summary>
public sealed class EmulatorState
{
    private static readonly ConversationRecord Seeded = new(EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId);

    private readonly EmulatorOptions _options;
    private readonly ConcurrentDictionary<string, ConversationRecord> _conversations = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, MediaRecord> _media = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<DeliveredMessage> _messages = new();
    private readonly ConcurrentDictionary<string, DeliveredMessage> _messagesById = new(StringComparer.OrdinalIgnoreCase);
    private long _mediaSequence;

    internal EmulatorState(EmulatorOptions options, BlobStore blobs)
    {
        _options = options;
        Blobs = blobs;
        Tokens = new TokenStore();
        RequestLog = new RequestLog(() => _options.RequestLogCapacity);
        _conversations[Seeded.ConversationId] = Seeded;
    }

    internal TokenStore Tokens { get; }
    internal RequestLog RequestLog { get; }
    internal BlobStore Blobs { get; }

    public IReadOnlyList<ConversationRecord> Conversations => _conversations.Values.ToArray();

    /// <summary>Media in creation order.</summary>
    public IReadOnlyList<MediaRecord> Media => _media.Values.OrderBy(m => m.Sequence).ToArray();

    public IReadOnlyList<DeliveredMessage> Messages => _messages.ToArray();

    public IReadOnlyList<RequestLogEntry> Requests => RequestLog.Snapshot();

    public int ActiveTokenCount => Tokens.CountActive(_options.UtcNow);

    public MediaRecord? FindMedia(string mediaId) => _media.GetValueOrDefault(mediaId);

    public ConversationRecord? FindConversation(string conversationId) => _conversations.GetValueOrDefault(conversationId);

    /// <summary>A message accepted by the send endpoint, whatever conversation it belongs to.</summary>
    public DeliveredMessage? FindMessage(string messageId) => _messagesById.GetValueOrDefault(messageId);

    /// <summary>The conversation's messages in the order they were accepted.</summary>
    public IReadOnlyList<DeliveredMessage> MessagesOf(string conversationId)
        => _messages.Where(m => string.Equals(m.ConversationId, conversationId, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>
    /// Genesys forgets a media, as after a service restart: it can no longer be read, sent or uploaded to, and its
    /// stored bytes are gone. Messages that already carry it stay in their conversation.
    /// </summary>
    public bool ForgetMedia(string mediaId)
    {
        if (!_media.TryRemove(mediaId, out var media)) return false;
        if (media.Upload is { } upload) BlobStore.TryDelete(upload.StoragePath);
        return true;
    }

    /// <summary>Forgets every media (see <see cref="ForgetMedia"/>); returns how many there were.</summary>
    public int ForgetAllMedia()
    {
        var forgotten = 0;
        foreach (var id in _media.Keys.ToArray())
        {
            if (ForgetMedia(id)) forgotten++;
        }

        return forgotten;
    }

    /// <summary>The conversation, but only if the communication belongs to it.</summary>
    public ConversationRecord? FindConversation(string conversationId, string communicationId)
        => _conversations.TryGetValue(conversationId, out var c)
           && string.Equals(c.CommunicationId, communicationId, StringComparison.OrdinalIgnoreCase) ? c : null;

    public ConversationRecord CreateConversation()
    {
        var conversation = new ConversationRecord(Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        _conversations[conversation.ConversationId] = conversation;
        return conversation;
    }

    public void ClearRequests() => RequestLog.Clear();

    /// <summary>Every issued token stops working, as if it had been revoked server-side mid-run.</summary>
    public int RevokeAllTokens() => Tokens.RevokeAll();

    internal MediaRecord AddMedia(Func<long, MediaRecord> create)
    {
        var record = create(Interlocked.Increment(ref _mediaSequence));
        _media[record.Id] = record;
        return record;
    }

    /// <summary>Raised on the request's thread once a message is recorded; the Open Messaging notifier listens.</summary>
    internal event Action<DeliveredMessage>? MessageAdded;

    /// <summary>Raised at the end of <see cref="Reset"/>, so parts that keep their own state can clear it too.</summary>
    internal event Action? WasReset;

    internal void AddMessage(DeliveredMessage message)
    {
        _messagesById[message.Id] = message;
        _messages.Enqueue(message);
        MessageAdded?.Invoke(message);
    }

    /// <summary>Forgets media, messages, extra conversations and the log. Issued tokens stay valid.</summary>
    internal void Reset()
    {
        _media.Clear();
        _messages.Clear();
        _messagesById.Clear();
        _conversations.Clear();
        _conversations[Seeded.ConversationId] = Seeded;
        RequestLog.Clear();
        Blobs.DeleteAll();
        WasReset?.Invoke();
    }
}
