using System;
using System.Management.Automation;
using System.Threading;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Progress for a batch: one overall bar plus one child bar per active file. Records go through the
    /// <see cref="PipelineQueue"/>, which coalesces them, so byte-level reports from the upload cost almost nothing.
    /// </summary>
    internal sealed class TransferProgress
    {
        private const int OverallActivityId = 1;
        private readonly PipelineQueue _queue;
        private readonly string _activity;
        private int _nextActivityId = OverallActivityId;
        private int _started;
        private int _finished;

        public TransferProgress(PipelineQueue queue, string activity)
        {
            _queue = queue;
            _activity = activity;
        }

        public FileBar Start(string fileName, long length)
        {
            Interlocked.Increment(ref _started);
            UpdateOverall();
            return new FileBar(this, Interlocked.Increment(ref _nextActivityId), fileName, length);
        }

        private void UpdateOverall()
        {
            if (!_queue.ProgressEnabled)
            {
                return;
            }

            int started = Volatile.Read(ref _started);
            int finished = Volatile.Read(ref _finished);
            _queue.Progress(new ProgressRecord(OverallActivityId, _activity, $"{finished} of {started} files done")
            {
                PercentComplete = started == 0 ? 0 : Math.Min(100, finished * 100 / started),
            });
        }

        internal sealed class FileBar : IProgress<long>
        {
            private readonly TransferProgress _owner;
            private readonly int _id;
            private readonly string _fileName;
            private int _done;

            public FileBar(TransferProgress owner, int id, string fileName, long length)
            {
                _owner = owner;
                _id = id;
                _fileName = fileName;
                Length = length;
            }

            /// <summary>Known once the transfer exists (a path is measured during validation).</summary>
            public long Length { get; set; }

            public void Stage(string status) => Post(status, -1);

            public void Report(long bytes)
            {
                long length = Length;
                int percent = length <= 0 ? 100 : (int)Math.Min(100, bytes * 100 / length);
                Post($"{Format(Math.Min(bytes, length))} of {Format(length)}", percent);
            }

            /// <summary>Closes the bar; safe to call more than once.</summary>
            public void Complete()
            {
                if (Interlocked.Exchange(ref _done, 1) != 0)
                {
                    return;
                }

                Interlocked.Increment(ref _owner._finished);
                if (_owner._queue.ProgressEnabled)
                {
                    _owner._queue.Progress(new ProgressRecord(_id, _fileName, "done") { ParentActivityId = OverallActivityId, RecordType = ProgressRecordType.Completed });
                }

                _owner.UpdateOverall();
            }

            private void Post(string status, int percent)
            {
                if (_owner._queue.ProgressEnabled)
                {
                    _owner._queue.Progress(new ProgressRecord(_id, _fileName, status) { ParentActivityId = OverallActivityId, PercentComplete = percent });
                }
            }

            private static string Format(long bytes) =>
                bytes >= 1024 * 1024 ? (bytes / 1048576.0).ToString("0.0") + " MB" : (bytes / 1024.0).ToString("0.0") + " KB";
        }
    }
}
