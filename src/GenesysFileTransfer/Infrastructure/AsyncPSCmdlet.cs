using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Base for cmdlets whose work is asynchronous. Work runs on background tasks and reports through a
    /// <see cref="PipelineQueue"/> that the pipeline thread drains, so Write* is only ever called from the pipeline
    /// thread. Ctrl+C (StopProcessing) cancels <see cref="PipelineStopToken"/>, which reaches every HTTP call,
    /// stream copy and delay.
    /// </summary>
    public abstract class AsyncPSCmdlet : PSCmdlet, IDisposable
    {
        private static readonly TimeSpan DrainWait = TimeSpan.FromMilliseconds(50);

        /// <summary>How long before a wait runs out a work item must have ended for the wait to count as needless.</summary>
        private static readonly long WakeGraceTicks = System.Diagnostics.Stopwatch.Frequency / 100;

        /// <summary>
        /// How many times, in this process, a pipeline thread sat out a whole timed wait for output that nothing was
        /// left to end: no work item was running when it began, or the last one had ended well before it ran out
        /// (a finished item wakes the thread). Zero by design; read by the tests, which count instead of timing.
        /// </summary>
        private static long _idleWaits;

        /// <summary>When (Stopwatch ticks) this command's last work item ended.</summary>
        private long _lastDoneAt;

        internal static long IdleWaits => Interlocked.Read(ref _idleWaits);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Task> _inFlight = new List<Task>();
        private SemaphoreSlim? _throttle;
        private PipelineQueue? _queue;
        private IDisposable? _auditSubscription;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken PipelineStopToken => _stop.Token;

        /// <summary>A correlation id for everything this invocation does, written to each audit record.</summary>
        protected string CorrelationId { get; } = Guid.NewGuid().ToString();

        internal PipelineQueue Queue => _queue ?? throw new InvalidOperationException("BeginProcessing has not run.");

        /// <summary>How many work items may run at once (1 = strictly one after another).</summary>
        protected int MaxConcurrency { get; set; } = 1;

        protected override void BeginProcessing()
        {
            _queue = new PipelineQueue(ProgressIsShown());
            _throttle = new SemaphoreSlim(Math.Max(1, MaxConcurrency));
        }

        /// <summary>Starts one item's work in the background, at most <see cref="MaxConcurrency"/> at a time, and
        /// drains what is ready. A failure of the item is reported by <paramref name="onError"/> as a
        /// non-terminating error, so one bad item never stops the others.</summary>
        internal void StartWork(Func<PipelineQueue, CancellationToken, Task> work, Func<Exception, ErrorRecord?> onError)
        {
            PipelineQueue queue = Queue;
            SemaphoreSlim throttle = _throttle!;
            // Queue for a slot here, on the pipeline thread: SemaphoreSlim serves waiters first come, first served,
            // so items start in input order (and with a limit of 1 also finish in it), whatever order the thread pool
            // runs the tasks in.
            Task slot = throttle.WaitAsync(PipelineStopToken);
            Task task = Task.Run(async () =>
            {
                await slot.ConfigureAwait(false);
                try
                {
                    await work(queue, PipelineStopToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (PipelineStopToken.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    ErrorRecord? record = onError(ex);
                    if (record != null)
                    {
                        queue.Error(record);
                    }
                }
                finally
                {
                    throttle.Release();
                    Interlocked.Exchange(ref _lastDoneAt, System.Diagnostics.Stopwatch.GetTimestamp());
                }
            });
            // Once the item has finished (IsCompleted is true by then), nudge the pipeline thread: it may be waiting
            // in Pump for output that will never come, and would otherwise notice only when its wait times out.
            _ = task.ContinueWith(_ => queue.Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            lock (_inFlight)
            {
                _inFlight.Add(task);
            }

            // Keep memory bounded when the upstream is much faster than the uploads: wait for a slot to free up
            // before accepting more input, draining output meanwhile.
            while (PendingCount() >= MaxConcurrency * 2)
            {
                Pump(untilIdle: false);
            }

            Pump(untilIdle: false, wait: TimeSpan.Zero);
        }

        /// <summary>Runs one unit of work to completion while draining its reports on this thread.</summary>
        internal void RunWork(Func<PipelineQueue, CancellationToken, Task> work, Func<Exception, ErrorRecord?> onError)
        {
            StartWork(work, onError);
            Pump(untilIdle: true);
        }

        /// <summary>
        /// Runs one piece of work and returns its result on the pipeline thread; its failure is rethrown here, so
        /// the caller can decide between a terminating and a non-terminating error.
        /// </summary>
        internal T Run<T>(Func<PipelineQueue, CancellationToken, Task<T>> work)
        {
            T result = default!;
            Exception? failure = null;
            RunWork(
                async (queue, stop) => result = await work(queue, stop).ConfigureAwait(false),
                ex =>
                {
                    failure = ex;
                    return null;
                });
            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }

            PipelineStopToken.ThrowIfCancellationRequested();
            return result;
        }

        /// <summary>Waits for every started item, draining their reports; always completes open progress bars.</summary>
        protected void WaitForAllWork()
        {
            try
            {
                Pump(untilIdle: true);
            }
            finally
            {
                if (_queue != null && !PipelineStopToken.IsCancellationRequested)
                {
                    _queue.FlushProgress(this);
                    _queue.CompleteAllProgress(this);
                }
            }
        }

        protected override void EndProcessing() => WaitForAllWork();

        /// <summary>The explicit or the session's connection (terminating error when none), with recovery reported as verbose output.</summary>
        internal Engine.Connection.GenesysConnection RequireConnection(Engine.Connection.GenesysConnection? explicitConnection)
        {
            Engine.Connection.GenesysConnection connection = SessionConnection.Require(this, explicitConnection);
            ReportRecoveryAsVerbose(connection);
            return connection;
        }

        /// <summary>
        /// Mirrors this invocation's retries, renewals and re-authentications to the verbose stream, so a slow run
        /// explains itself. The audit records are already redacted.
        /// </summary>
        private void ReportRecoveryAsVerbose(Engine.Connection.GenesysConnection connection)
        {
            if (_auditSubscription != null)
            {
                return;
            }

            PipelineQueue queue = Queue;
            string correlationId = CorrelationId;
            _auditSubscription = connection.Audit.Subscribe(record =>
            {
                if (record.CorrelationId != correlationId)
                {
                    return;
                }

                if (record.Outcome == Engine.Audit.AuditOutcomes.Retry)
                {
                    queue.Verbose($"{record.Operation}: attempt {record.Attempt} got {(record.HttpStatus?.ToString() ?? record.Detail)}; retrying in {record.RetryAfterSeconds:0.###} s ({record.Detail}).");
                }
                else if (record.Operation == Engine.Audit.AuditOperations.Renew && record.Outcome == Engine.Audit.AuditOutcomes.Success)
                {
                    queue.Verbose($"{record.FileName}: upload URL renewed; now media {record.MediaId} ({record.Detail}).");
                }
                else if (record.Operation == Engine.Audit.AuditOperations.Reauthenticate)
                {
                    queue.Verbose($"The access token was rejected; re-authenticated ({record.Outcome}).");
                }
            });
        }

        protected override void StopProcessing() => _stop.Cancel();

        private int PendingCount()
        {
            lock (_inFlight)
            {
                _inFlight.RemoveAll(t => t.IsCompleted);
                return _inFlight.Count;
            }
        }

        private void Pump(bool untilIdle, TimeSpan? wait = null)
        {
            try
            {
                if (untilIdle)
                {
                    // Wait only while something is still running: a command whose work is done returns at once. A
                    // work item that ends during the wait wakes it (StartWork posts PipelineQueue.Wake).
                    while (PendingCount() > 0)
                    {
                        DrainWaiting(wait ?? DrainWait);
                    }
                }
                else
                {
                    DrainWaiting(wait ?? DrainWait);
                }

                // Work finished: write anything it queued after the last drain.
                while (Queue.Drain(this, TimeSpan.Zero, PipelineStopToken) > 0)
                {
                }
            }
            catch (OperationCanceledException) when (PipelineStopToken.IsCancellationRequested)
            {
                WaitBrieflyForCancelledWork();
                throw new PipelineStoppedException();
            }
        }

        private void DrainWaiting(TimeSpan wait)
        {
            // Nothing running and nothing arriving: the wait could only end by timing out. Every item that ends
            // posts a wake-up after it completes, so a wait begun while work was running always ends early.
            bool idle = wait > TimeSpan.Zero && PendingCount() == 0;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (Queue.Drain(this, wait, PipelineStopToken) != 0 || wait <= TimeSpan.Zero)
            {
                return;
            }

            // The wait ran out with nothing written. Needless if nothing ran when it began, or if the work it waited
            // for ended during it and well before it ran out, yet nothing woke the thread.
            long doneAt = Interlocked.Read(ref _lastDoneAt);
            bool outlived = doneAt > started && PendingCount() == 0 && System.Diagnostics.Stopwatch.GetTimestamp() - doneAt > WakeGraceTicks;
            if (idle || outlived)
            {
                Interlocked.Increment(ref _idleWaits);
            }
        }

        /// <summary>Gives cancelled uploads a moment to unwind, so their file handles are closed when the prompt returns.</summary>
        private void WaitBrieflyForCancelledWork()
        {
            Task[] tasks;
            lock (_inFlight)
            {
                tasks = _inFlight.ToArray();
            }

            try
            {
                Task.WaitAll(tasks, TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
        }

        /// <summary>False when $ProgressPreference is SilentlyContinue (the norm in Azure Automation).</summary>
        private bool ProgressIsShown()
        {
            object? preference = GetVariableValue("ProgressPreference");
            if (preference is ActionPreference action)
            {
                return action != ActionPreference.SilentlyContinue && action != ActionPreference.Ignore;
            }

            return !string.Equals(preference?.ToString(), "SilentlyContinue", StringComparison.OrdinalIgnoreCase);
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Derived commands release what they opened here; PowerShell calls Dispose on Ctrl+C too.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (!disposing)
            {
                return;
            }

            _auditSubscription?.Dispose();
            _stop.Dispose();
            _throttle?.Dispose();
            _queue?.Dispose();
        }
    }
}
