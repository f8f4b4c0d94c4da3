using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The outbox part of <see cref="ITransferJournal"/> in memory, with the SQLite journal's semantics (claims count as
/// attempts; oldest due first; lease-checked updates; operator changes refused under a live lease), so archiver tests
/// isolate the archiver. Everything under one lock, like the SQLite journal's write transaction. Transfers are looked
/// up from <see cref="AddTransfer"/>'s records only (what the archiver reads to find a transfer's media).
/// </summary>
internal sealed class InMemoryTransferJournal : ITransferJournal, IDocumentOutbox
{
    private readonly object _gate = new();
    private readonly Dictionary<string, OutboxItem> _outbox = new(StringComparer.Ordinal);

    public string Location => "memory";

    private readonly InMemoryTransferLookup _transfers = new();

    public ITransferStore Transfers => _transfers;

    /// <summary>Records a transfer the archiver and the callback processor can find by id or media id.</summary>
    public void AddTransfer(JournalTransfer transfer) => _transfers.Add(transfer);

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

    public bool MarkQuarantined(string documentKey, string workerId, string reason, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_outbox.TryGetValue(documentKey, out OutboxItem? item) || item.ClaimedBy != workerId || item.State != OutboxState.Pending) return false;
            item.State = OutboxState.Quarantined;
            item.ClaimedBy = null;
            item.LeaseUntil = null;
            item.LastError = reason;
            item.StateReason = reason;
            item.StateChangedBy = workerId;
            item.StateChangedAt = at;
            item.FallbackSource = null;
            return true;
        }
    }

    public bool MarkSourceMissing(string documentKey, string workerId, string reason, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_outbox.TryGetValue(documentKey, out OutboxItem? item) || item.ClaimedBy != workerId || item.State != OutboxState.Pending) return false;
            item.State = OutboxState.SourceMissing;
            item.ClaimedBy = null;
            item.LeaseUntil = null;
            item.LastError = reason;
            item.StateReason = reason;
            item.StateChangedBy = workerId;
            item.StateChangedAt = at;
            return true;
        }
    }

    public OutboxItem? GetItem(string documentKey)
    {
        lock (_gate) return _outbox.TryGetValue(documentKey, out OutboxItem? item) ? Copy(item) : null;
    }

    public OutboxChangeResult Reset(string documentKey, string changedBy, DateTimeOffset now) => Change(documentKey, now, item =>
    {
        item.State = OutboxState.Pending;
        item.NextAttemptAt = now;
        item.StateReason = null;
        item.StateChangedBy = changedBy;
        item.StateChangedAt = now;
    });

    public OutboxChangeResult Abandon(string documentKey, string reason, string changedBy, DateTimeOffset now) => Change(documentKey, now, item =>
    {
        item.State = OutboxState.Abandoned;
        item.StateReason = reason;
        item.StateChangedBy = changedBy;
        item.StateChangedAt = now;
    });

    private OutboxChangeResult Change(string documentKey, DateTimeOffset now, Action<OutboxItem> change)
    {
        lock (_gate)
        {
            if (!_outbox.TryGetValue(documentKey, out OutboxItem? item)) return new OutboxChangeResult(OutboxChange.NotFound, null);
            if (item.State != OutboxState.Pending && item.State != OutboxState.SourceMissing) return new OutboxChangeResult(OutboxChange.NotAllowed, Copy(item));
            if (item.LeaseUntil > now) return new OutboxChangeResult(OutboxChange.Leased, Copy(item));
            item.ClaimedBy = null;
            item.LeaseUntil = null;
            change(item);
            return new OutboxChangeResult(OutboxChange.Changed, Copy(item));
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
        FallbackSource = i.FallbackSource,
        StateReason = i.StateReason,
        StateChangedBy = i.StateChangedBy,
        StateChangedAt = i.StateChangedAt,
    };
}
