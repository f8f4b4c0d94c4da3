using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

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
    /// hands the next batch to one caller of those items (a blocked one first). Waking every waiter at each turn
    /// (Monitor.PulseAll) made sixteen threads contend for the gate after every batch on a two-core machine.
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
        /// <remarks>Blocks the calling thread while another batch is written; a caller on the thread pool that may wait should use <see cref="SubmitAsync"/>.</remarks>
        public void Submit(T item)
        {
            var entry = new Entry(item, waitsAsynchronously: false);
            List<Entry>? batch = Enqueue(entry);
            if (batch is null)
            {
                // Not disposed: the writer may still be inside Set when this wakes, and without a wait handle
                // ever being asked for, the event holds no operating-system resource.
                entry.Signal!.Wait();
                if (entry.Written)
                {
                    return;
                }

                // Handed the next batch (which holds this caller's item).
                batch = entry.Lead!;
            }

            WriteAndHandOff(batch, entry);
        }

        /// <summary>
        /// Completes once <paramref name="item"/> has been written in a batch (its outcome is in the item), holding no
        /// thread while it waits. When nobody is writing, the batch is written at once on the calling thread; when the
        /// caller is handed the next batch, it is written on the thread that resumes it.
        /// </summary>
        /// <remarks>
        /// A webhook listener records each callback from a thread-pool thread; a thread blocked in <see cref="Submit"/>
        /// is one the pool cannot give to the next request, and under load the requests then queue for threads rather
        /// than for the disk.
        /// </remarks>
        public Task SubmitAsync(T item)
        {
            var entry = new Entry(item, waitsAsynchronously: true);
            List<Entry>? batch = Enqueue(entry);
            if (batch is null)
            {
                return WaitAsync(entry);
            }

            try
            {
                WriteAndHandOff(batch, entry);
                return Task.CompletedTask;
            }
            catch (Exception ex)
            {
                return Task.FromException(ex);
            }
        }

        private async Task WaitAsync(Entry entry)
        {
            await entry.Completion!.Task.ConfigureAwait(false);
            if (!entry.Written)
            {
                WriteAndHandOff(entry.Lead!, entry);
            }
        }

        /// <summary>Queues the entry; returns the batch to write when no batch is being written, else null (wait).</summary>
        private List<Entry>? Enqueue(Entry entry)
        {
            lock (_gate)
            {
                _queue.Add(entry);
                if (_writing)
                {
                    return null;
                }

                _writing = true;
                return TakeQueue();
            }
        }

        /// <summary>Writes <paramref name="batch"/>, then wakes its callers and hands what queued meanwhile to one caller of it.</summary>
        private void WriteAndHandOff(List<Entry> batch, Entry writer)
        {
            try
            {
                var items = new T[batch.Count];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = batch[i].Item;
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
                        // Items queued while this batch was written: one of their callers writes them next. A caller
                        // blocked in Submit is preferred, since it has a thread waiting: an asynchronous caller must
                        // first be given a pool thread, and pool threads may be what the blocked callers are holding.
                        List<Entry> following = TakeQueue();
                        next = following.Find(e => e.Signal != null) ?? following[0];
                        next.Lead = following;
                    }
                }

                foreach (Entry done in batch)
                {
                    if (!ReferenceEquals(done, writer))
                    {
                        done.Wake(written: true);
                    }
                }

                next?.Wake(written: false);
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
            public Entry(T item, bool waitsAsynchronously)
            {
                Item = item;
                if (waitsAsynchronously)
                {
                    // Continuations run on the pool, never inline on the writer, which still has others to wake.
                    Completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                else
                {
                    Signal = new ManualResetEventSlim(false, spinCount: 0);
                }
            }

            public T Item { get; }

            public ManualResetEventSlim? Signal { get; }

            public TaskCompletionSource<bool>? Completion { get; }

            // Set before the caller is woken, read after it woke (Set, Wait and the task's completion are full fences).
            public bool Written { get; private set; }

            public List<Entry>? Lead { get; set; }

            /// <summary>Wakes the caller: its item was written, or (not written) it is to write the next batch.</summary>
            public void Wake(bool written)
            {
                Written = written;
                if (Signal != null)
                {
                    Signal.Set();
                }
                else
                {
                    Completion!.TrySetResult(true);
                }
            }
        }
    }
}
