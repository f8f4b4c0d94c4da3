using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

/// <summary>
/// The parts of <see cref="ITransferJournal"/> the callback processor uses (events, message statuses, the outbox), in
/// memory, with the journal's documented semantics; the rest is not needed here. <see cref="FailNext"/> makes the next
/// call of one method throw, as a locked or unreachable journal would.
/// </summary>
internal sealed class FakeWebhookJournal : ITransferJournal, IEventLedger, IDocumentOutbox
{
    private readonly object _gate = new();
    private readonly HashSet<(string Source, string EventId)> _events = new();
    private readonly Dictionary<string, (string Status, int Rank)> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OutboxItem> _outbox = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    public string Location => "memory";

    private readonly Documents.InMemoryTransferLookup _transfers = new();

    /// <summary>Only the lookups the processor makes (by media id); <see cref="AddTransfer"/> fills it.</summary>
    public ITransferStore Transfers => _transfers;

    public void AddTransfer(JournalTransfer transfer) => _transfers.Add(transfer);

    public IEventLedger Events => this;

    public IDocumentOutbox Outbox => this;

    public int EventCount
    {
        get { lock (_gate) return _events.Count; }
    }

    public IReadOnlyCollection<(string Source, string EventId)> RecordedEvents
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    /// <summary>The next <paramref name="count"/> calls of <paramref name="method"/> throw.</summary>
    public void FailNext(string method, int count = 1)
    {
        lock (_gate) _failures[method] = count;
    }

    private int _held;

    /// <summary>
    /// While set and not signalled, <see cref="RecordEvent"/> (and <see cref="TryRecordEvent"/>) wait for it outside the journal's lock, as a journal
    /// slowed by a long write would; <see cref="Held"/> counts the callers waiting now.
    /// </summary>
    public ManualResetEventSlim? Hold { get; set; }

    public int Held => Volatile.Read(ref _held);

    /// <summary>Waits outside the journal's lock while <see cref="Hold"/> is set and not signalled.</summary>
    private void WaitWhileHeld()
    {
        ManualResetEventSlim? hold = Hold;
        if (hold is not null && !hold.IsSet)
        {
            Interlocked.Increment(ref _held);
            try { hold.Wait(); }
            finally { Interlocked.Decrement(ref _held); }
        }
    }

    public bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt)
    {
        WaitWhileHeld();
        lock (_gate)
        {
            MaybeFail(nameof(TryRecordEvent));
            return _events.Add((source, eventId));
        }
    }

    public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at)
    {
        lock (_gate)
        {
            MaybeFail(nameof(AdvanceMessageStatus));
            if (_statuses.TryGetValue(messageId, out var current) && current.Rank >= rank) return false;
            _statuses[messageId] = (status, rank);
            return true;
        }
    }

    public string? GetMessageStatus(string messageId)
    {
        lock (_gate) return _statuses.TryGetValue(messageId, out var current) ? current.Status : null;
    }

    /// <summary>
    /// All or nothing, as the stores do it in one transaction: <c>FailNext(nameof(RecordEvent))</c> fails before any
    /// write, <c>FailNext(nameof(Enqueue))</c> fails at an outbox write and discards the event id and earlier items.
    /// </summary>
    public WebhookEventRecorded RecordEvent(WebhookEventRecord record)
    {
        WaitWhileHeld();
        lock (_gate)
        {
            MaybeFail(nameof(RecordEvent));
            var enqueued = new bool[record.OutboxItems.Count];
            string? Current() => record.MessageId is null ? null : _statuses.TryGetValue(record.MessageId, out var s) ? s.Status : null;
            if (_events.Contains((record.Source, record.EventId)))
            {
                return new WebhookEventRecorded(false, enqueued, false, Current());
            }

            var added = new Dictionary<string, OutboxItem>(StringComparer.Ordinal);
            for (int i = 0; i < enqueued.Length; i++)
            {
                MaybeFail(nameof(Enqueue));
                OutboxItem item = record.OutboxItems[i];
                enqueued[i] = !_outbox.ContainsKey(item.DocumentKey) && added.TryAdd(item.DocumentKey, item);
            }

            bool advanced = false;
            if (record.MessageId != null && record.Status != null && record.StatusRank is int rank)
            {
                MaybeFail(nameof(AdvanceMessageStatus));
                advanced = !(_statuses.TryGetValue(record.MessageId, out var current) && current.Rank >= rank);
                if (advanced) _statuses[record.MessageId] = (record.Status, rank);
            }

            // Commit: nothing above threw.
            _events.Add((record.Source, record.EventId));
            foreach (var pair in added) _outbox[pair.Key] = pair.Value;
            return new WebhookEventRecorded(true, enqueued, advanced, Current());
        }
    }

    /// <summary>Runs <see cref="RecordEvent"/> (its failures and <see cref="Hold"/> included) on the calling thread.</summary>
    public Task<WebhookEventRecorded> RecordEventAsync(WebhookEventRecord record)
    {
        try
        {
            return Task.FromResult(RecordEvent(record));
        }
        catch (Exception ex)
        {
            return Task.FromException<WebhookEventRecorded>(ex);
        }
    }

    public bool Enqueue(OutboxItem item)
    {
        lock (_gate)
        {
            MaybeFail(nameof(Enqueue));
            if (_outbox.ContainsKey(item.DocumentKey)) return false;
            _outbox[item.DocumentKey] = item;
            return true;
        }
    }

    public IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state)
    {
        lock (_gate) return _outbox.Values.Where(i => state is null || i.State == state).ToArray();
    }

    private void MaybeFail(string method)
    {
        if (_failures.TryGetValue(method, out var left) && left > 0)
        {
            _failures[method] = left - 1;
            throw new TransferJournalException(Location, $"The journal is locked ({method}).");
        }
    }

    public OutboxItem? GetItem(string documentKey)
    {
        lock (_gate) return _outbox.TryGetValue(documentKey, out OutboxItem? item) ? item : null;
    }

    public OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease) => throw new NotSupportedException();
    public bool MarkQuarantined(string documentKey, string workerId, string reason, DateTimeOffset at) => throw new NotSupportedException();
    public bool MarkSourceMissing(string documentKey, string workerId, string reason, DateTimeOffset at) => throw new NotSupportedException();
    public OutboxChangeResult Reset(string documentKey, string changedBy, DateTimeOffset now) => throw new NotSupportedException();
    public OutboxChangeResult Abandon(string documentKey, string reason, string changedBy, DateTimeOffset now) => throw new NotSupportedException();
    public bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at) => throw new NotSupportedException();
    public bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
