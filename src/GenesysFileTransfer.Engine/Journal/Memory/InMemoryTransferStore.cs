using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Journal.Memory
{
    /// <summary>
    /// The transfer store of a connection opened without a journal (<c>-NoJournal</c>): the same contract as the
    /// journal's (unique key, compare-and-set, leases), kept for the life of the connection only, so the engine runs one
    /// code path with or without a journal. Nothing here survives the process, and outbox items are not kept.
    /// </summary>
    internal sealed class InMemoryTransferStore : ITransferStore
    {
        private readonly object _gate = new object();
        private readonly Dictionary<Guid, JournalTransfer> _rows = new Dictionary<Guid, JournalTransfer>();
        private readonly Dictionary<Guid, List<TransferHistoryEntry>> _history = new Dictionary<Guid, List<TransferHistoryEntry>>();
        private readonly Dictionary<string, Guid> _keys = new Dictionary<string, Guid>(StringComparer.Ordinal);

        public JournalTransfer InsertOrGet(JournalTransfer transfer, TransferHistoryEntry entry, bool supersede, out bool inserted)
        {
            lock (_gate)
            {
                if (_keys.TryGetValue(transfer.IdempotencyKey, out Guid existingId))
                {
                    if (!supersede)
                    {
                        inserted = false;
                        return Copy(_rows[existingId]);
                    }

                    JournalTransfer old = _rows[existingId];
                    old.IdempotencyKey += "|superseded-by:" + transfer.TransferId.ToString("D");
                    _history[existingId].Add(new TransferHistoryEntry(entry.Time, "superseded", old.MediaId, "a new transfer " + transfer.TransferId + " was started for the same file and conversation"));
                }

                JournalTransfer row = Copy(transfer);
                row.Version = 0;
                _rows[row.TransferId] = row;
                _keys[row.IdempotencyKey] = row.TransferId;
                _history[row.TransferId] = new List<TransferHistoryEntry> { entry };
                inserted = true;
                return Copy(row);
            }
        }

        public JournalTransfer? GetTransfer(Guid transferId)
        {
            lock (_gate)
            {
                return _rows.TryGetValue(transferId, out JournalTransfer? row) ? Copy(row) : null;
            }
        }

        public JournalTransfer? FindByIdempotencyKey(string idempotencyKey)
        {
            lock (_gate)
            {
                return _keys.TryGetValue(idempotencyKey, out Guid id) ? Copy(_rows[id]) : null;
            }
        }

        public JournalTransfer? FindByMediaId(string mediaId)
        {
            lock (_gate)
            {
                JournalTransfer? row = _rows.Values.FirstOrDefault(r => r.MediaId == mediaId || r.PreviousMediaIds.Contains(mediaId));
                return row is null ? null : Copy(row);
            }
        }

        public IReadOnlyList<JournalTransfer> QueryTransfers(TransferQuery query)
        {
            StringComparison names = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            lock (_gate)
            {
                IEnumerable<JournalTransfer> matching = _rows.Values.Where(t =>
                    (query.TransferId is null || t.TransferId == query.TransferId) &&
                    (string.IsNullOrEmpty(query.Status) || string.Equals(t.Status, query.Status, StringComparison.Ordinal)) &&
                    (string.IsNullOrEmpty(query.File) || string.Equals(t.FilePath, query.File, names) || string.Equals(t.FileName, query.File, names)) &&
                    (string.IsNullOrEmpty(query.Sha256) || string.Equals(t.Sha256, query.Sha256, StringComparison.OrdinalIgnoreCase)) &&
                    (string.IsNullOrEmpty(query.ConversationId) || string.Equals(t.ConversationId, query.ConversationId, StringComparison.Ordinal)) &&
                    (query.Since is null || t.CreatedAt >= query.Since))
                    .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.TransferId);
                if (query.Limit is int limit)
                {
                    matching = matching.Take(Math.Max(0, limit));
                }

                return matching.Select(Copy).ToArray();
            }
        }

        public IReadOnlyList<TransferHistoryEntry> GetHistory(Guid transferId)
        {
            lock (_gate)
            {
                return _history.TryGetValue(transferId, out List<TransferHistoryEntry>? entries) ? entries.ToArray() : Array.Empty<TransferHistoryEntry>();
            }
        }

        public JournalTransfer? TryTransition(JournalTransfer next, long expectedVersion, TransferHistoryEntry entry, OutboxItem? archive = null)
        {
            lock (_gate)
            {
                if (!_rows.TryGetValue(next.TransferId, out JournalTransfer? row) || row.Version != expectedVersion)
                {
                    return null;
                }

                JournalTransfer updated = Copy(next);
                updated.IdempotencyKey = row.IdempotencyKey;
                updated.CreatedAt = row.CreatedAt;
                updated.Version = row.Version + 1;
                updated.LeaseOwner = row.LeaseOwner;
                updated.LeaseUntil = row.LeaseUntil;
                _rows[next.TransferId] = updated;
                _history[next.TransferId].Add(entry);
                return Copy(updated);
            }
        }

        public JournalTransfer? TryAcquireLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration)
        {
            lock (_gate)
            {
                if (!_rows.TryGetValue(transferId, out JournalTransfer? row))
                {
                    return null;
                }

                bool mine = row.LeaseOwner == owner;
                if (!mine && row.LeaseOwner != null && row.LeaseUntil > now)
                {
                    return null;
                }

                if (!mine)
                {
                    // A change of owner is a new version: whatever the previous owner read is stale now.
                    row.Version++;
                }

                row.LeaseOwner = owner;
                row.LeaseUntil = now + duration;
                return Copy(row);
            }
        }

        public bool RenewLease(Guid transferId, string owner, DateTimeOffset now, TimeSpan duration)
        {
            lock (_gate)
            {
                if (!_rows.TryGetValue(transferId, out JournalTransfer? row) || row.LeaseOwner != owner)
                {
                    return false;
                }

                row.LeaseUntil = now + duration;
                return true;
            }
        }

        public void ReleaseLease(Guid transferId, string owner)
        {
            lock (_gate)
            {
                if (_rows.TryGetValue(transferId, out JournalTransfer? row) && row.LeaseOwner == owner)
                {
                    row.LeaseOwner = null;
                    row.LeaseUntil = null;
                }
            }
        }

        private static JournalTransfer Copy(JournalTransfer t) => t.Clone();
    }
}
