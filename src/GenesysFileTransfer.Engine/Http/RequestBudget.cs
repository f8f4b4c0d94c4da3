using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>Which requests go first when the budget is short.</summary>
    public enum RequestPriority
    {
        /// <summary>Creates, deliveries, reads a step waits on.</summary>
        Normal = 0,

        /// <summary>Status polls: they only tell something sooner, so they wait behind everything else.</summary>
        Poll = 1,
    }

    /// <summary>
    /// The API request budget of one connection (one OAuth token), shared by every cmdlet and thread that uses the
    /// connection. Genesys Cloud allows about 300 requests a minute per client-credentials token and says how much of
    /// its window is used on every answer (<c>inin-ratelimit-allowed</c>, <c>-count</c>, <c>-reset</c>); a 429 says
    /// how long to stop (<c>Retry-After</c>). The budget learns both and paces requests so the window's allowance is
    /// spread over the time left in it, instead of spending it in a burst and learning of the limit from 429s.
    /// Waiting requests are served by priority: creates and deliveries before status polls.
    /// Until the first answer with the headers, nothing is held back.
    /// </summary>
    public sealed class RequestBudget : IDisposable
    {
        /// <summary>Slots kept free for requests the budget cannot see coming (another process on the same token, a request counted twice).</summary>
        private const int SafetyReserve = 1;

        /// <summary>How late after its estimated end a window is taken to be over (the server's clock and ours are not one).</summary>
        private static readonly TimeSpan EdgeMargin = TimeSpan.FromMilliseconds(30);

        private readonly object _gate = new object();
        private readonly TimeProvider _time;
        private readonly LinkedList<Waiter> _normal = new LinkedList<Waiter>();
        private readonly LinkedList<Waiter> _polls = new LinkedList<Waiter>();
        private readonly ITimer _timer;
        private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;

        private int? _limit;
        private DateTimeOffset _windowEnd;
        private DateTimeOffset _windowStartedAt = DateTimeOffset.MinValue;
        private bool _windowEndLearned;
        private TimeSpan _windowLength;
        private int _used;
        private int _previousUsed;
        private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
        private DateTimeOffset _lastGrant = DateTimeOffset.MinValue;
        private long _granted;
        private long _delayed;
        private long _throttled;
        private bool _disposed;

        public RequestBudget(TimeProvider? time = null)
        {
            _time = time ?? TimeProvider.System;
            _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        /// <summary>The allowance per window the server last stated, or null before the first answer that says.</summary>
        public int? Limit
        {
            get { lock (_gate) { return _limit; } }
        }

        /// <summary>Requests let through so far.</summary>
        public long Granted => Interlocked.Read(ref _granted);

        /// <summary>Requests that had to wait for the budget.</summary>
        public long Delayed => Interlocked.Read(ref _delayed);

        /// <summary>Answers 429 seen.</summary>
        public long Throttled => Interlocked.Read(ref _throttled);

        /// <summary>
        /// How long a poll asked for now would wait behind the requests already queued: zero while the budget is
        /// ample. The poll scheduler stretches its pauses by this, so polls do not pile up when the budget is short.
        /// </summary>
        public TimeSpan PollBacklog
        {
            get
            {
                lock (_gate)
                {
                    DateTimeOffset now = _time.GetUtcNow();
                    Roll(now);
                    int queued = CountLive(_normal) + CountLive(_polls);
                    TimeSpan spacing = Spacing(now, RequestPriority.Poll);
                    TimeSpan wait = NextSlot(now, RequestPriority.Poll) - now;
                    if (wait < TimeSpan.Zero)
                    {
                        wait = TimeSpan.Zero;
                    }

                    return wait + TimeSpan.FromTicks(spacing.Ticks * queued);
                }
            }
        }

        /// <summary>
        /// The pause between two requests the budget allows now if it is to last the window (zero before the limit is
        /// known). Polls of many files share one listing call, so the scheduler sizes its rounds by this.
        /// </summary>
        public TimeSpan CurrentSpacing
        {
            get
            {
                lock (_gate)
                {
                    DateTimeOffset now = _time.GetUtcNow();
                    Roll(now);
                    return Spacing(now, RequestPriority.Normal);
                }
            }
        }

        /// <summary>
        /// The window's length shared evenly by its whole allowance (10 s / 50 = 200 ms; Genesys' 60 s / 300 = 200 ms),
        /// zero before the limit is known: the pace the token sustains, unlike <see cref="CurrentSpacing"/>, which
        /// shrinks near a window's end when allowance is left over.
        /// </summary>
        public TimeSpan AverageSpacing
        {
            get
            {
                lock (_gate)
                {
                    return _limit is int limit && limit > 0 && _windowLength > TimeSpan.Zero ? TimeSpan.FromTicks(_windowLength.Ticks / limit) : TimeSpan.Zero;
                }
            }
        }

        /// <summary>
        /// True when the token's allowance matters: this window, or the one before it, has used at least a quarter of
        /// it. A few files now and then never come near the limit, and their polls may be as quick as their schedule
        /// asks; a batch that fills windows pays for every poll with a create or a delivery that waits, and shows
        /// itself early by its first creates (at Genesys' 300 a minute, 75 requests: about 25 files).
        /// </summary>
        public bool IsBusy
        {
            get
            {
                lock (_gate)
                {
                    Roll(_time.GetUtcNow());
                    return _limit is int limit && 4 * Math.Max(_used, _previousUsed) >= limit;
                }
            }
        }

        /// <summary>Waits until a request of <paramref name="priority"/> may go out, and counts it.</summary>
        public Task AcquireAsync(RequestPriority priority, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Waiter waiter;
            lock (_gate)
            {
                DateTimeOffset now = _time.GetUtcNow();
                Roll(now);
                if (_normal.Count == 0 && (priority == RequestPriority.Normal || _polls.Count == 0) && NextSlot(now, priority) <= now)
                {
                    Grant(now);
                    return Task.CompletedTask;
                }

                waiter = new Waiter(priority);
                (priority == RequestPriority.Normal ? _normal : _polls).AddLast(waiter);
                Interlocked.Increment(ref _delayed);
                PumpLocked(now);
            }

            if (cancellationToken.CanBeCanceled && !waiter.Completion.Task.IsCompleted)
            {
                // A cancelled waiter only completes; the pump skips completed waiters. The registration is released
                // outside the lock once the wait is over, so a running callback can never wait on the lock.
                CancellationTokenRegistration registration = cancellationToken.Register(() => waiter.Completion.TrySetCanceled(cancellationToken));
                _ = waiter.Completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return waiter.Completion.Task;
        }

        /// <summary>Learns from an answer: the stated allowance, count and reset, and a 429's Retry-After.</summary>
        /// <param name="sentAt">When the request went out; answers to requests sent before the current window began say nothing about it.</param>
        public void Observe(HttpResponseMessage response, DateTimeOffset sentAt)
        {
            if (response is null)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            int? allowed = Header(response, "inin-ratelimit-allowed");
            int? count = Header(response, "inin-ratelimit-count");
            int? reset = Header(response, "inin-ratelimit-reset");
            lock (_gate)
            {
                if ((int)response.StatusCode == 429)
                {
                    Interlocked.Increment(ref _throttled);
                    TimeSpan wait = RetryAfter.Parse(response, now) ?? (reset is int r ? TimeSpan.FromSeconds(r) : TimeSpan.FromSeconds(3));
                    if (now + wait > _blockedUntil)
                    {
                        _blockedUntil = now + wait;
                    }

                    // The window is spent, whatever we thought; the next one starts when the server said.
                    if (_limit is int spent)
                    {
                        _used = spent;
                    }

                    _windowEnd = now + wait;
                    _windowEndLearned = true;
                    _windowStartedAt = now;
                }
                else if (allowed is int a && count is int c && reset is int s && a > 0 && sentAt >= _windowStartedAt)
                {
                    TimeSpan length = TimeSpan.FromSeconds(Math.Max(1, s));
                    if (_limit is int known && known != a)
                    {
                        // A different allowance is a different limit (the organization's was changed, or another
                        // rule now applies): the old window's length, end and count say nothing about the new one.
                        // Keeping the old length would pace the start of every new window by it: after 300 per
                        // 60 s, a 50 per 10 s window was started 1.2 s late each time.
                        _windowLength = length;
                        _windowEnd = now + length;
                        _windowEndLearned = true;
                        _used = c;
                    }

                    _limit = a;
                    if (length > _windowLength)
                    {
                        _windowLength = length;
                    }

                    // The reset is whole seconds rounded up, so now + reset is never before the true end: the
                    // earliest of these over the window's answers is the closest safe estimate.
                    DateTimeOffset end = now + length;
                    if (!_windowEndLearned || end > _windowEnd + TimeSpan.FromSeconds(1) + EdgeMargin)
                    {
                        // The first answer of this window, or the server is in a later window than we thought.
                        if (_windowEndLearned && end > _windowEnd + TimeSpan.FromSeconds(1) + EdgeMargin)
                        {
                            _used = c;
                        }

                        _windowEnd = end;
                        _windowEndLearned = true;
                    }
                    else if (end < _windowEnd)
                    {
                        _windowEnd = end;
                    }

                    if (c > _used)
                    {
                        _used = c;
                    }
                }

                PumpLocked(now);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _timer.Dispose();
                foreach (Waiter waiter in _normal.Concat(_polls).ToArray())
                {
                    waiter.Completion.TrySetResult(true);
                }

                _normal.Clear();
                _polls.Clear();
            }
        }

        private void OnTimer()
        {
            lock (_gate)
            {
                _timerDue = DateTimeOffset.MaxValue;
                if (!_disposed)
                {
                    PumpLocked(_time.GetUtcNow());
                }
            }
        }

        /// <summary>Grants every waiter whose slot has come, normal before polls, and sets the timer for the next.</summary>
        private void PumpLocked(DateTimeOffset now)
        {
            while (true)
            {
                Roll(now);
                LinkedList<Waiter>? list = FirstLive(_normal) != null ? _normal : FirstLive(_polls) != null ? _polls : null;
                if (list is null)
                {
                    return;
                }

                Waiter head = list.First!.Value;
                DateTimeOffset slot = NextSlot(now, head.Priority);
                if (slot > now)
                {
                    if (slot < _timerDue)
                    {
                        _timerDue = slot;
                        _timer.Change(slot - now, Timeout.InfiniteTimeSpan);
                    }

                    return;
                }

                list.RemoveFirst();
                Grant(now);
                head.Completion.TrySetResult(true);
            }
        }

        private void Grant(DateTimeOffset now)
        {
            _used++;
            _lastGrant = now;
            Interlocked.Increment(ref _granted);
        }

        /// <summary>A window believed over starts a new one: its end is a guess until its first answer.</summary>
        private void Roll(DateTimeOffset now)
        {
            if (_limit is null || now < _windowEnd + EdgeMargin)
            {
                return;
            }

            // What the window that ended used, unless it ended more than a window ago (nothing was asked since).
            _previousUsed = now < _windowEnd + _windowLength ? _used : 0;
            _used = 0;
            // A new window has its whole allowance: its first request is not paced from the old window's last one.
            _lastGrant = DateTimeOffset.MinValue;
            _windowStartedAt = now;
            _windowEnd = now + (_windowLength > TimeSpan.Zero ? _windowLength : TimeSpan.FromSeconds(60));
            _windowEndLearned = false;
        }

        private DateTimeOffset NextSlot(DateTimeOffset now, RequestPriority priority)
        {
            if (now < _blockedUntil)
            {
                return _blockedUntil;
            }

            if (!(_limit is int limit))
            {
                return now;
            }

            int remaining = limit - _used - SafetyReserve;
            if (remaining <= 0)
            {
                return _windowEnd + EdgeMargin;
            }

            DateTimeOffset paced = _lastGrant + Spacing(now, priority);
            return paced > now ? paced : now;
        }

        /// <summary>The time left in the window shared evenly by the requests it still allows.</summary>
        private TimeSpan Spacing(DateTimeOffset now, RequestPriority priority)
        {
            if (!(_limit is int limit))
            {
                return TimeSpan.Zero;
            }

            int remaining = Math.Max(1, limit - _used - SafetyReserve);
            TimeSpan left = _windowEnd - now;
            return left <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(left.Ticks / remaining);
        }

        private static LinkedListNode<Waiter>? FirstLive(LinkedList<Waiter> list)
        {
            while (list.First != null && list.First.Value.Completion.Task.IsCompleted)
            {
                list.RemoveFirst();
            }

            return list.First;
        }

        private static int CountLive(LinkedList<Waiter> list) => list.Count(w => !w.Completion.Task.IsCompleted);

        private static int? Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out IEnumerable<string>? values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                ? value
                : (int?)null;

        private sealed class Waiter
        {
            public Waiter(RequestPriority priority) => Priority = priority;

            public RequestPriority Priority { get; }

            public TaskCompletionSource<bool> Completion { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
