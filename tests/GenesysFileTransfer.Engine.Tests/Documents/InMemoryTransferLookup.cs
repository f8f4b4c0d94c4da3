using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The read side of <see cref="ITransferStore"/> that the outbox code uses (a transfer by id, by media id), over
/// transfers a test adds; the lifecycle methods are not needed by these tests and throw.
/// </summary>
internal sealed class InMemoryTransferLookup : ITransferStore
{
    private readonly object _gate = new();
    private readonly List<JournalTransfer> _transfers = new();

    public int MediaLookups { get; private set; }

    public void Add(JournalTransfer transfer)
    {
        lock (_gate) _transfers.Add(transfer);
    }

    public JournalTransfer? GetTransfer(Guid transferId)
    {
        lock (_gate) return _transfers.FirstOrDefault(t => t.TransferId == transferId);
    }

    public JournalTransfer? FindByMediaId(string mediaId)
    {
        lock (_gate)
        {
            MediaLookups++;
            return _transfers.FirstOrDefault(t => t.MediaId == mediaId || t.PreviousMediaIds.Contains(mediaId));
        }
    }

    public JournalTransfer InsertOrGet(JournalTransfer transfer, TransferHistoryEntry entry, bool supersede, out bool inserted) => throw new NotSupportedException();
    public JournalTransfer? FindByIdempotencyKey(string idempotencyKey) => throw new NotSupportedException();
    public IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query) => throw new NotSupportedException();
    public IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId) => throw new NotSupportedException();
    public JournalTransfer? TryTransition(JournalTransfer next, long expectedVersion, TransferHistoryEntry entry, OutboxItem? archive = null) => throw new NotSupportedException();
    public JournalTransfer? TryAcquireLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration) => throw new NotSupportedException();
    public bool RenewLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration) => throw new NotSupportedException();
    public void ReleaseLease(Guid transferId, string owner) => throw new NotSupportedException();
}
