using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// The only way background work talks to PowerShell: it posts output, errors, verbose lines and progress here,
    /// and the pipeline thread drains the queue. Write* must never be called from another thread.
    /// Progress is coalesced: only the latest record per activity is kept, flushed at most every
    /// <see cref="ProgressInterval"/>, while completions go out at once so no bar is left behind.
    /// </summary>
    internal sealed class PipelineQueue : IDisposable
    {
        internal static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

        private readonly BlockingCollection<Action<Cmdlet>> _items = new BlockingCollection<Action<Cmdlet>>();
        private readonly Dictionary<int, ProgressRecord> _pendingProgress = new Dictionary<int, ProgressRecord>();
        private readonly HashSet<int> _openActivities = new HashSet<int>();
        private readonly object _progressGate = new object();
        private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();

        public PipelineQueue(bool progressEnabled)
        {
            ProgressEnabled = progressEnabled;
        }

        /// <summary>False when $ProgressPreference is SilentlyContinue: no progress record is even built.</summary>
        public bool ProgressEnabled { get; }

        public void Output(object value) => Post(c => c.WriteObject(value));
        public void Error(ErrorRecord record) => Post(c => c.WriteError(record));
        public void Verbose(string message) => Post(c => c.WriteVerbose(message));
        public void Warning(string message) => Post(c => c.WriteWarning(message));
        public void Debug(string message) => Post(c => c.WriteDebug(message));

        /// <summary>A line for the person at the console (shown like Write-Host, on the information stream so scripts can silence it).</summary>
        public void Information(string message, params string[] tags) => Post(c => HostInformation.Write(c, message, tags));

        /// <summary>
        /// Wakes a pipeline thread that is waiting in <see cref="Drain"/> without writing anything. Posted when a
        /// work item finishes, so the thread notices at once that nothing is left to wait for instead of sleeping
        /// out its drain timeout (which would add up to that timeout to every command).
        /// </summary>
        public void Wake() => Post(_ => { });

        public void Progress(ProgressRecord record)
        {
            if (!ProgressEnabled)
            {
                return;
            }

            lock (_progressGate)
            {
                if (record.RecordType == ProgressRecordType.Completed)
                {
                    _pendingProgress.Remove(record.ActivityId);
                    if (_openActivities.Remove(record.ActivityId))
                    {
                        Post(c => c.WriteProgress(record));
                    }

                    return;
                }

                _pendingProgress[record.ActivityId] = record;
            }
        }

        /// <summary>Runs queued items on the calling (pipeline) thread, waiting at most <paramref name="wait"/> for the first.</summary>
        /// <returns>How many items were written.</returns>
        public int Drain(Cmdlet cmdlet, TimeSpan wait, CancellationToken stop)
        {
            FlushProgressIfDue(cmdlet, force: false);
            if (!_items.TryTake(out Action<Cmdlet>? item, (int)wait.TotalMilliseconds, stop) || item is null)
            {
                return 0;
            }

            int count = 1;
            item(cmdlet);
            while (_items.TryTake(out item) && item != null)
            {
                item(cmdlet);
                count++;
                FlushProgressIfDue(cmdlet, force: false);
            }

            return count;
        }

        /// <summary>Writes every pending progress record now (before waiting on the user, or at the end).</summary>
        public void FlushProgress(Cmdlet cmdlet) => FlushProgressIfDue(cmdlet, force: true);

        /// <summary>Completes every bar still open, so nothing lingers after the command.</summary>
        public void CompleteAllProgress(Cmdlet cmdlet)
        {
            List<int> open;
            lock (_progressGate)
            {
                _pendingProgress.Clear();
                open = new List<int>(_openActivities);
                _openActivities.Clear();
            }

            // Children first, so a parent bar never closes above an open child.
            open.Sort((a, b) => b.CompareTo(a));
            foreach (int id in open)
            {
                cmdlet.WriteProgress(new ProgressRecord(id, "Done", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private void FlushProgressIfDue(Cmdlet cmdlet, bool force)
        {
            if (!ProgressEnabled || (!force && _sinceFlush.Elapsed < ProgressInterval))
            {
                return;
            }

            List<ProgressRecord> due;
            lock (_progressGate)
            {
                due = new List<ProgressRecord>(_pendingProgress.Values);
                _pendingProgress.Clear();
                foreach (ProgressRecord record in due)
                {
                    _openActivities.Add(record.ActivityId);
                }
            }

            _sinceFlush.Restart();
            due.Sort((a, b) => a.ActivityId.CompareTo(b.ActivityId));
            foreach (ProgressRecord record in due)
            {
                cmdlet.WriteProgress(record);
            }
        }

        private void Post(Action<Cmdlet> item)
        {
            try
            {
                _items.Add(item);
            }
            catch (InvalidOperationException)
            {
                // The pipeline is gone (stopped); late reports from cancelled work have nowhere to go.
            }
        }

        public void Dispose() => _items.Dispose();
    }
}
