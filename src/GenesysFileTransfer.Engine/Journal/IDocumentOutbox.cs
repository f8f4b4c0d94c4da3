using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// Documents waiting to be archived in the document-management store. Items are keyed by a deterministic
    /// <see cref="OutboxItem.DocumentKey"/>, claimed under a lease, and moved by the worker that holds the lease.
    /// </summary>
    public interface IDocumentOutbox
    {
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

        /// <summary>
        /// Moves a claimed item to <see cref="OutboxState.SourceMissing"/> with <paramref name="reason"/>, so it is no
        /// longer claimed; a no-op unless <paramref name="workerId"/> holds its lease.
        /// </summary>
        /// <summary>
        /// Sets a claimed item aside as quarantined (malware found; not stored) with the reason, in one write that also
        /// forgets its signed source URLs. True when this worker still held the item.
        /// </summary>
        bool MarkQuarantined(string documentKey, string workerId, string reason, DateTimeOffset at);

        bool MarkSourceMissing(string documentKey, string workerId, string reason, DateTimeOffset at);

        IReadOnlyList<OutboxItem> GetOutbox(OutboxState? state);

        /// <summary>The item with this key, in any state; null when there is none.</summary>
        OutboxItem? GetItem(string documentKey);

        /// <summary>
        /// Atomically puts a <see cref="OutboxState.Pending"/> or <see cref="OutboxState.SourceMissing"/> item back to
        /// pending, due at <paramref name="now"/>, unless a worker holds a live lease on it. Archived and abandoned
        /// items are left alone (<see cref="OutboxChange.NotAllowed"/>).
        /// </summary>
        OutboxChangeResult Reset(string documentKey, string changedBy, DateTimeOffset now);

        /// <summary>
        /// Atomically moves a <see cref="OutboxState.Pending"/> or <see cref="OutboxState.SourceMissing"/> item to
        /// <see cref="OutboxState.Abandoned"/> with who and why, unless a worker holds a live lease on it. An abandoned
        /// item is never claimed or archived again.
        /// </summary>
        OutboxChangeResult Abandon(string documentKey, string reason, string changedBy, DateTimeOffset now);
    }
}
