using System;
using System.Collections.Generic;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// Transfers and their history. A transfer's row is changed only by <see cref="TryTransition"/>: a compare-and-set
    /// on its <see cref="JournalTransfer.Version"/> that writes the new state, its history entry and any outbox item
    /// in one transaction. Work on a transfer is claimed with a lease (owner + expiry), so two processes never upload
    /// or deliver the same transfer at once, and a dead owner's work is taken over when its lease runs out.
    /// </summary>
    public interface ITransferStore
    {
        /// <summary>
        /// Records a new transfer with its first history entry, leased to <see cref="JournalTransfer.LeaseOwner"/>.
        /// The idempotency key is unique: when a transfer with the same key exists, nothing is written and that one is
        /// returned (<paramref name="inserted"/> false). With <paramref name="supersede"/>, the existing transfer keeps
        /// its row and history under a retired key and the new one takes the key (a deliberate second send).
        /// </summary>
        JournalTransfer InsertOrGet(JournalTransfer transfer, TransferHistoryEntry entry, bool supersede, out bool inserted);

        JournalTransfer? GetTransfer(Guid transferId);

        /// <summary>The transfer with this idempotency key (file SHA-256 + target conversation), if any.</summary>
        JournalTransfer? FindByIdempotencyKey(string idempotencyKey);

        /// <summary>The transfer that uses or once used this Genesys media id, if any.</summary>
        JournalTransfer? FindByMediaId(string mediaId);

        IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query);

        IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId);

        /// <summary>
        /// Moves a transfer to <paramref name="next"/> when its stored version is still <paramref name="expectedVersion"/>:
        /// the row (version + 1), <paramref name="entry"/> and <paramref name="archive"/> (when given; an existing
        /// document key is left alone) in one transaction. Returns the stored record, or null when another writer moved
        /// the transfer first (nothing is written then; read it again and decide anew). The lease columns of
        /// <paramref name="next"/> are ignored: leases change only through the lease methods.
        /// </summary>
        JournalTransfer? TryTransition(JournalTransfer next, long expectedVersion, TransferHistoryEntry entry, OutboxItem? archive = null);

        /// <summary>
        /// Leases the transfer to <paramref name="owner"/> until <paramref name="now"/> + <paramref name="duration"/>
        /// when nobody else holds a live lease on it (the owner's own lease is extended). Returns the current record
        /// with the lease, or null when another owner's lease is live (read the record to see whose). A change of owner
        /// increments the version, so a previous owner whose lease ran out (a paused process) can no longer move the
        /// transfer with the version it read.
        /// </summary>
        JournalTransfer? TryAcquireLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration);

        /// <summary>Extends the owner's lease; false when the owner no longer holds it.</summary>
        bool RenewLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration);

        /// <summary>Gives the lease up, so another process can take the transfer at once.</summary>
        void ReleaseLease(Guid transferId, string owner);
    }
}
