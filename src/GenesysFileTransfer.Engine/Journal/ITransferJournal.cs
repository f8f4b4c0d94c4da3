using System;
using System.Collections.Generic;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// The durable record of transfers, their history, processed webhook events and the document-management
    /// outbox. Every method is atomic on its own and safe to call from several threads and several processes
    /// sharing the same store, so a crashed batch can resume and many listeners can share one journal.
    /// The engine depends on this interface only: the embedded SQLite journal is one implementation, a shared
    /// server database for many workers can be another.
    /// </summary>
    public interface ITransferJournal : IDisposable
    {
        /// <summary>Where the journal lives (a file path, a connection description without secrets).</summary>
        string Location { get; }

        /// <summary>Inserts or replaces the transfer's current state (keyed by TransferId).</summary>
        void UpsertTransfer(JournalTransfer transfer);

        JournalTransfer? GetTransfer(Guid transferId);

        /// <summary>The transfer with this idempotency key (file SHA-256 + target conversation), if any.</summary>
        JournalTransfer? FindByIdempotencyKey(string idempotencyKey);

        IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query);

        void AppendHistory(Guid transferId, TransferHistoryEntry entry);

        IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId);

        /// <summary>
        /// Records that a webhook event was accepted. Returns false when the same (source, eventId) was recorded
        /// before, by this or any other process: the caller then does nothing more for it.
        /// </summary>
        bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt);

        /// <summary>
        /// Moves a message's delivery status forward. Returns false (and changes nothing) when the stored status
        /// already has the same or a higher <paramref name="rank"/>, so out-of-order callbacks never move it back.
        /// </summary>
        bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at);

        string? GetMessageStatus(string messageId);

        /// <summary>Adds a document to archive. Returns false when an item with the same DocumentKey exists.</summary>
        bool Enqueue(OutboxItem item);

        /// <summary>
        /// Atomically takes the oldest due item (pending, NextAttemptAt ≤ now, no live lease) for
        /// <paramref name="workerId"/>, leasing it until now + <paramref name="lease"/>; null when none is due.
        /// </summary>
        OutboxItem? ClaimNext(string workerId, DateTimeOffset now, TimeSpan lease);

        /// <summary>Marks a claimed item archived; a no-op unless <paramref name="workerId"/> holds its lease.</summary>
        bool MarkArchived(string documentKey, string workerId, string storedLocation, DateTimeOffset at);

        /// <summary>Releases a claimed item for another attempt at <paramref name="nextAttemptAt"/>.</summary>
        bool MarkRetry(string documentKey, string workerId, string error, DateTimeOffset nextAttemptAt);

        IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state);
    }
}
