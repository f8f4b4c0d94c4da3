using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// The journals and audit logs <c>Receive-GcWebhookEvent</c> opened, kept open for its next calls in this process
    /// (an Azure Functions worker calls it once per request; opening both costs more than processing the callback).
    /// Keyed by what identifies them (the journal's file or connection string and credential, the audit folder and
    /// its signing key), so only calls naming the same resources share them. Holds nothing per user or per session: a
    /// connection's journal and audit log are never put here. Both are thread-safe, so concurrent calls share an entry.
    /// An entry is closed when unused for <see cref="IdleTimeout"/>, when the module is removed, when the process
    /// exits, or when its file or folder is gone (then the next call opens afresh, as it did before).
    /// </summary>
    internal static class ReceiverResourceCache
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        private static Timer? _sweeper;
        private static long _opened;
        private static bool _exitHooked;

        /// <summary>How long an unused entry stays open (so a journal file is not held long after the last callback).</summary>
        internal static TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Entries opened since the process started (for tests: a reused entry does not count).</summary>
        internal static long Opened => Interlocked.Read(ref _opened);

        /// <summary>Entries open now.</summary>
        internal static int Count
        {
            get
            {
                lock (Gate)
                {
                    return Entries.Count;
                }
            }
        }

        /// <summary>
        /// The open journal and audit log under <paramref name="key"/>, opened by <paramref name="open"/> when there is
        /// none or <paramref name="stillValid"/> says the cached one no longer points at what the key names. Dispose the
        /// lease when the call is done; the entry stays open for the next call.
        /// </summary>
        public static Lease Acquire(string key, Func<(ITransferJournal Journal, AuditLog Audit)> open, Func<bool> stillValid)
        {
            lock (Gate)
            {
                if (Entries.TryGetValue(key, out Entry? entry))
                {
                    // A stale entry still in use by another call is kept until that call is done: closing it first
                    // releases the pooled connections to the old file, which a new journal on the same path would
                    // otherwise pick up.
                    if (entry.Leases > 0 || stillValid())
                    {
                        entry.Leases++;
                        return new Lease(entry);
                    }

                    Entries.Remove(key);
                    entry.Evicted = true;
                    entry.Close();
                }

                // Opened under the lock: two first calls for one key must not open two entries. Rare (once per key).
                (ITransferJournal journal, AuditLog audit) = open();
                var created = new Entry(journal, audit) { Leases = 1 };
                Entries[key] = created;
                Interlocked.Increment(ref _opened);
                StartSweeping();
                return new Lease(created);
            }
        }

        /// <summary>Closes every entry (those in use when their call ends). Module removal and process exit call it.</summary>
        public static void Clear()
        {
            var idle = new List<Entry>();
            lock (Gate)
            {
                foreach (Entry entry in Entries.Values)
                {
                    entry.Evicted = true;
                    if (entry.Leases == 0)
                    {
                        idle.Add(entry);
                    }
                }

                Entries.Clear();
                _sweeper?.Dispose();
                _sweeper = null;
            }

            idle.ForEach(e => e.Close());
        }

        private static void StartSweeping()
        {
            if (!_exitHooked)
            {
                // The audit mirror into a shared journal queues records for a moment: flush them before the process ends.
                AppDomain.CurrentDomain.ProcessExit += (_, __) => Clear();
                _exitHooked = true;
            }

            if (_sweeper is null)
            {
                TimeSpan period = TimeSpan.FromTicks(Math.Max(IdleTimeout.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks));
                _sweeper = new Timer(_ => Sweep(), null, period, period);
            }
        }

        private static void Sweep()
        {
            var idle = new List<Entry>();
            lock (Gate)
            {
                long now = Stopwatch.GetTimestamp();
                long idleTicks = (long)(IdleTimeout.TotalSeconds * Stopwatch.Frequency);
                foreach (KeyValuePair<string, Entry> pair in new List<KeyValuePair<string, Entry>>(Entries))
                {
                    if (pair.Value.Leases == 0 && now - pair.Value.LastUsed >= idleTicks)
                    {
                        Entries.Remove(pair.Key);
                        pair.Value.Evicted = true;
                        idle.Add(pair.Value);
                    }
                }

                if (Entries.Count == 0)
                {
                    _sweeper?.Dispose();
                    _sweeper = null;
                }
            }

            idle.ForEach(e => e.Close());
        }

        /// <summary>One call's use of an entry.</summary>
        internal sealed class Lease : IDisposable
        {
            private Entry? _entry;

            public Lease(Entry entry)
            {
                _entry = entry;
                Journal = entry.Journal;
                Audit = entry.Audit;
            }

            public ITransferJournal Journal { get; }

            public AuditLog Audit { get; }

            public void Dispose()
            {
                Entry? entry = Interlocked.Exchange(ref _entry, null);
                if (entry is null)
                {
                    return;
                }

                bool close;
                lock (Gate)
                {
                    entry.Leases--;
                    entry.LastUsed = Stopwatch.GetTimestamp();
                    close = entry.Evicted && entry.Leases == 0;
                }

                if (close)
                {
                    entry.Close();
                }
            }
        }

        internal sealed class Entry
        {
            private int _closed;

            public Entry(ITransferJournal journal, AuditLog audit)
            {
                Journal = journal;
                Audit = audit;
                LastUsed = Stopwatch.GetTimestamp();
            }

            public ITransferJournal Journal { get; }

            public AuditLog Audit { get; }

            /// <summary>Calls using the entry now (guarded by the cache's lock).</summary>
            public int Leases { get; set; }

            /// <summary><see cref="Stopwatch.GetTimestamp"/> when the last call released it.</summary>
            public long LastUsed { get; set; }

            /// <summary>Out of the cache: closed when the last call using it is done.</summary>
            public bool Evicted { get; set; }

            public void Close()
            {
                if (Interlocked.Exchange(ref _closed, 1) == 0)
                {
                    try
                    {
                        JournalResolver.Close(Audit, Journal);
                    }
                    catch (Exception ex) when (ex is TransferJournalException || ex is ObjectDisposedException || ex is System.IO.IOException)
                    {
                        // Closing only releases files and pooled connections; nothing is lost by a failure here.
                    }
                }
            }
        }
    }

    /// <summary>Closes the cached receiver resources when the module is removed (<c>Remove-Module</c>).</summary>
    public sealed class ReceiverResourceCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => ReceiverResourceCache.Clear();
    }
}
