using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>The rows, history entries and outbox items the journal tests write, built one way for every test class.</summary>
internal static class JournalTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 14, 45, 53, TimeSpan.Zero);

    public static JournalTransfer Transfer(string name, string status, DateTimeOffset createdAt)
    {
        string sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + createdAt.Ticks))).ToLowerInvariant();
        return new JournalTransfer
        {
            TransferId = Guid.NewGuid(),
            IdempotencyKey = "sha256:" + sha + "|conversation:conversation-1|communication:communication-1",
            ConversationId = "conversation-1",
            CommunicationId = "communication-1",
            FilePath = "/data/outbox/" + name,
            FileName = name,
            Length = 4096,
            ContentType = "application/pdf",
            Sha256 = sha,
            ContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==",
            MediaId = "media-" + name,
            Status = status,
            MetadataJson = "{\"storageBucketReference\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}",
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddTicks(1234567),
        };
    }

    public static TransferHistoryEntry Entry(string @event) => new(T0, @event, "media-1", null);

    /// <summary>A copy that shares nothing with the original, as a second process would read the same row.</summary>
    public static JournalTransfer Copy(JournalTransfer t) => t.Clone();

    public static OutboxItem Item(string key, DateTimeOffset enqueuedAt, DateTimeOffset? nextAttemptAt = null, string source = "/data/outbox/invoice.pdf") => new()
    {
        DocumentKey = key,
        Kind = "transfer",
        TransferId = Guid.NewGuid(),
        ConversationId = "conversation-1",
        MessageId = "message-1",
        Source = source,
        FileName = "invoice.pdf",
        ContentType = "application/pdf",
        Sha256 = new string('a', 64),
        Length = 4096,
        MetadataJson = "{\"retentionDays\":30}",
        State = OutboxState.Pending,
        EnqueuedAt = enqueuedAt,
        NextAttemptAt = nextAttemptAt ?? enqueuedAt,
    };
}
