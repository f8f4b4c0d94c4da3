using System;
using System.Collections.Generic;
using System.Threading;

namespace GenesysFileTransfer.Engine.Concurrency
{
    /// <summary>
    /// Group commit for one resource that takes one writer at a time (a journal file, an audit file): a caller whose
    /// item arrives while a batch is being written waits, and every item queued by then is written as the next batch by
    /// one of their callers. Each caller returns once the batch holding its item was written, so nothing is
    /// acknowledged early, and the fixed cost of a write (a lock, a flush, a checkpoint) is paid once per batch.
    /// </summary>
    /// <remarks>
    /// Wakes are targeted: the writer of a batch wakes only that batch's callers and, when more items queued meanwhile,
    /// hands the next batch to the caller of its first item. Waking every waiter at each turn (Monitor.PulseAll) made
    /// sixteen threads contend for the gate after every batch on a two-core machine.
    /// </remarks>
    internal sealed class GroupCommit<T>
    {
        private readonly object _gate = new object();
        private readonly Action<IReadOnlyList<T>> _writeBatch;
        private List<Entry> _queue = new List<Entry>();
        private bool _writing;

        /// <param name="writeBatch">
        /// Writes the items in order. It must record each item's outcome in the item (a failure included) and not throw;
        /// an exception it lets through is reported to the caller who wrote that batch, the others see their items as written.
        /// </param>
        public GroupCommit(Action<IReadOnlyList<T>> writeBatch) => _writeBatch = writeBatch ?? throw new ArgumentNullException(nameof(writeBatch));

        /// <summary>Items waiting for the batch being written to finish.</summary>
        public int Queued
        {
            get
            {
                lock (_gate)
                {
                    return _queue.Count;
                }
            }
        }

        /// <summary>Returns once <paramref name="item"/> has been written in a batch (its outcome is in the item).</summary>
        public void Submit(T item)
        {
            var entry = new Entry(item);
            List<Entry>? batch = null;
            lock (_gate)
            {
                _queue.Add(entry);
                if (!_writing)
                {
                    _writing = true;
                    batch = TakeQueue();
                }
            }

            if (batch is null)
            {
                // Not disposed: the writer may still be inside Set when this wakes, and without a wait handle
                // ever being asked for, the event holds no operating-system resource.
                entry.Signal.Wait();
                if (entry.Written)
                {
                    return;
                }

                // Handed the next batch (which starts with this caller's item).
                batch = entry.Lead!;
            }

            List<Entry> written = batch;
            try
            {
                var items = new T[written.Count];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = written[i].Item;
                }

                _writeBatch(items);
            }
            finally
            {
                Entry? next = null;
                lock (_gate)
                {
                    if (_queue.Count == 0)
                    {
                        _writing = false;
                    }
                    else
                    {
                        // Items queued while this batch was written: the caller of the first writes them next.
                        List<Entry> following = TakeQueue();
                        next = following[0];
                        next.Lead = following;
                    }
                }

                foreach (Entry done in written)
                {
                    if (!ReferenceEquals(done, entry))
                    {
                        done.Written = true;
                        done.Signal.Set();
                    }
                }

                next?.Signal.Set();
            }
        }

        private List<Entry> TakeQueue()
        {
            List<Entry> taken = _queue;
            _queue = new List<Entry>();
            return taken;
        }

        private sealed class Entry
        {
            public Entry(T item) => Item = item;

            public T Item { get; }

            public ManualResetEventSlim Signal { get; } = new ManualResetEventSlim(false, spinCount: 0);

            // Set before Signal is set, read after it is seen set (Set and Wait are full fences).
            public bool Written { get; set; }

            public List<Entry>? Lead { get; set; }
        }
    }
}
