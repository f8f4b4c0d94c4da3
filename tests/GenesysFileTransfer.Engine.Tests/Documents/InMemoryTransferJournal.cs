using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The outbox part of <see cref="ITransferJournal"/> in memory, with the SQLite journal's semantics (claims count as
/// attempts; oldest due first; lease-checked updates), so archiver tests isolate the archiver. Everything under one
/// lock, like the SQLite journal's write transaction.
/// </summary>
internal sealed class InMemoryTransferJournal : ITransferJournal, IDocumentOutbox
{
    private readonly object _gate = new();
    private readonly Dictionary<string, OutboxItem> _outbox = new(StringComparer.Ordinal);

    public string Location => "memory";

    public ITransferStore Transfers => throw new NotSupportedException("The archiver needs only the outbox.");

    public IEventLedger Events => throw new NotSupportedException("The archiver needs only the outbox.");

    public IDocumentOutbox Outbox => this;

    public int ClaimCount { get; private set; }

    public bool Enqueue(OutboxItem item)
    {
        lock (_gate)
        {
            if (_outbox.ContainsKey(item.DocumentKey)) return false;
            _outbox[item.DocumentKey] = Copy(item);
            return true;
        }
    }

    public OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease)
    {
        lock (_gate)
        {
            OutboxItem? next = _outbox.Values
                .Where(i => i.State == OutboxState.Pending && i.NextAttemptAt <= now && (i.LeaseUntil is null || i.LeaseUntil <= now))
                .OrderBy(i => i.NextAttemptAt).ThenBy(i => i.EnqueuedAt).ThenBy(i => i.DocumentKey, StringComparer.Ordinal)
                .FirstOrDefault();
            if (next is null) return null;
            next.ClaimedBy = workerId;
            next.LeaseUntil = now + lease;
            next.Attempts++;
            ClaimCount++;
            return Copy(next);
        }
    }

    public bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_outbox.TryGetValue(documentKey, out OutboxItem? item) || item.ClaimedBy != workerId || item.State != OutboxState.Pending) return false;
            item.State = OutboxState.Archived;
            item.StoredLocation = storedLocation;
            item.ArchivedAt = at;
            item.LeaseUntil = null;
            item.LastError = null;
            return true;
        }
    }

    public bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt)
    {
        lock (_gate)
        {
            if (!_outbox.TryGetValue(documentKey, out OutboxItem? item) || item.ClaimedBy != workerId || item.State != OutboxState.Pending) return false;
            item.ClaimedBy = null;
            item.LeaseUntil = null;
            item.LastError = error;
            item.NextAttemptAt = nextAttemptAt;
            return true;
        }
    }

    public IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state)
    {
        lock (_gate)
        {
            return _outbox.Values.Where(i => state is null || i.State == state).OrderBy(i => i.EnqueuedAt).ThenBy(i => i.DocumentKey, StringComparer.Ordinal).Select(Copy).ToList();
        }
    }

    public void Dispose()
    {
    }

    private static OutboxItem Copy(OutboxItem i) => new()
    {
        DocumentKey = i.DocumentKey,
        Kind = i.Kind,
        TransferId = i.TransferId,
        ConversationId = i.ConversationId,
        MessageId = i.MessageId,
        AttachmentId = i.AttachmentId,
        Source = i.Source,
        FileName = i.FileName,
        ContentType = i.ContentType,
        Sha256 = i.Sha256,
        Length = i.Length,
        MetadataJson = i.MetadataJson,
        State = i.State,
        Attempts = i.Attempts,
        EnqueuedAt = i.EnqueuedAt,
        NextAttemptAt = i.NextAttemptAt,
        LastError = i.LastError,
        ClaimedBy = i.ClaimedBy,
        LeaseUntil = i.LeaseUntil,
        StoredLocation = i.StoredLocation,
        ArchivedAt = i.ArchivedAt,
    };
}
