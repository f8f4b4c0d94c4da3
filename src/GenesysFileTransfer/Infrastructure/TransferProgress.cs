using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Progress for a batch: one overall bar plus one child bar per active file. Records go through the
    /// <see cref="PipelineQueue"/>, which coalesces them, so byte-level reports from the upload cost almost nothing.
    /// When the whole input is known (<see cref="SetTotal"/>: an array, a wildcard, a whole Get-ChildItem), the overall
    /// bar counts files done out of that total, bytes uploaded out of the total bytes, and an ETA from the upload rate;
    /// when it is not (transfers streaming in from another command), it says "N done, M in flight" and the bytes so far.
    /// </summary>
    internal sealed class TransferProgress
    {
        private const int OverallActivityId = 1;
        private readonly PipelineQueue _queue;
        private readonly string _activity;
        private readonly Stopwatch _clock = new Stopwatch();
        private int _nextActivityId = OverallActivityId;
        private int _started;
        private int _finished;
        private int _totalFiles = -1;
        private long _totalBytes = -1;
        private long _bytesUploaded;
        private long _bytesDropped;

        public TransferProgress(PipelineQueue queue, string activity)
        {
            _queue = queue;
            _activity = activity;
        }

        /// <summary>Bytes uploaded so far by this batch (each file's current attempt).</summary>
        public long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

        /// <summary>The whole batch is known: its file count and their bytes.</summary>
        public void SetTotal(int files, long bytes)
        {
            Volatile.Write(ref _totalFiles, files);
            Interlocked.Exchange(ref _totalBytes, bytes);
            UpdateOverall();
        }

        public FileBar Start(string fileName, long length)
        {
            Interlocked.Increment(ref _started);
            lock (_clock)
            {
                if (!_clock.IsRunning)
                {
                    _clock.Start();
                }
            }

            UpdateOverall();
            return new FileBar(this, Interlocked.Increment(ref _nextActivityId), fileName, length);
        }

        /// <summary>The overall line; public for tests of the wording through the progress records.</summary>
        internal ProgressRecord Overall()
        {
            int started = Volatile.Read(ref _started);
            int finished = Volatile.Read(ref _finished);
            int inFlight = Math.Max(0, started - finished);
            int total = Volatile.Read(ref _totalFiles);
            long uploaded = Math.Max(0, Interlocked.Read(ref _bytesUploaded));
            if (total < 0)
            {
                return new ProgressRecord(OverallActivityId, _activity, $"{finished} done, {inFlight} in flight, {FormatBytes(uploaded)} uploaded") { PercentComplete = -1 };
            }

            // Bytes of files that ended without uploading them (already delivered, refused) leave the total.
            long bytes = Math.Max(0, Interlocked.Read(ref _totalBytes) - Interlocked.Read(ref _bytesDropped));
            long shown = Math.Min(uploaded, bytes);
            int percent = finished >= total
                ? 100
                : bytes > 0
                    ? (int)Math.Min(99, Math.Max(finished * 100L / Math.Max(1, total), shown * 100 / bytes))
                    : finished * 100 / Math.Max(1, total);
            var record = new ProgressRecord(
                OverallActivityId,
                _activity,
                $"{finished} of {total} files done, {inFlight} in flight; {FormatBytes(shown)} of {FormatBytes(bytes)}")
            {
                PercentComplete = percent,
            };

            double seconds = _clock.Elapsed.TotalSeconds;
            if (shown > 0 && seconds >= 1 && bytes > shown)
            {
                double rate = shown / seconds;
                record.SecondsRemaining = (int)Math.Ceiling((bytes - shown) / rate);
            }

            return record;
        }

        private void UpdateOverall()
        {
            if (_queue.ProgressEnabled)
            {
                _queue.Progress(Overall());
            }
        }

        internal static string FormatBytes(long bytes) =>
            bytes >= 1024L * 1024 * 1024 ? (bytes / 1073741824.0).ToString("0.0", CultureInfo.InvariantCulture) + " GB"
            : bytes >= 1024 * 1024 ? (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
            : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB";

        internal sealed class FileBar : IProgress<long>
        {
            private readonly TransferProgress _owner;
            private readonly int _id;
            private readonly string _fileName;
            private long _reported;
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
                // A new attempt starts from 0 again: the batch counts each file's current attempt.
                long before = Interlocked.Exchange(ref _reported, bytes);
                Interlocked.Add(ref _owner._bytesUploaded, bytes - before);
                long length = Length;
                int percent = length <= 0 ? 100 : (int)Math.Min(100, bytes * 100 / length);
                Post($"{FormatBytes(Math.Min(bytes, length))} of {FormatBytes(length)}", percent);
                _owner.UpdateOverall();
            }

            /// <summary>Closes the bar; safe to call more than once.</summary>
            public void Complete()
            {
                if (Interlocked.Exchange(ref _done, 1) != 0)
                {
                    return;
                }

                long remaining = Length - Interlocked.Read(ref _reported);
                if (remaining > 0)
                {
                    Interlocked.Add(ref _owner._bytesDropped, remaining);
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
        }
    }
}
