using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Polls Genesys for the validation status of media, for every transfer of one connection at once. Transfers
    /// waiting in the same communication are polled together: one
    /// <c>GET …/communications/{communicationId}/messages/media</c> page answers for up to 100 media, where a
    /// <c>GET …/messages/media/{mediaId}</c> answers for one. The listing needs the permission
    /// <c>conversation:messageMedia:view</c>; the first 403 on it switches this connection to single GETs for good
    /// (audited once). A transfer alone in its communication is polled with the single GET, which costs the same.
    /// <para>
    /// The pace: each waiting transfer asks for its next look after its own schedule
    /// (<see cref="ScanWaitOptions.IntervalFor"/>). A shared round costs one request for everybody, so while several
    /// transfers share a communication its rounds come every <see cref="ScanWaitOptions.SharedInterval"/> at
    /// first, stretched as the youngest transfer's wait grows (its own schedule divided among the transfers a round
    /// serves), and as the connection's request budget tightens (<see cref="RequestBudget.PollBacklog"/>). While the
    /// token is busy (<see cref="RequestBudget.IsBusy"/>: a quarter of its allowance used in this window or the
    /// last), a communication's rounds come at most one listing page per
    /// <see cref="ScanWaitOptions.SharedBudgetSpacings"/> budget slots, whatever the transfers' own schedules ask.
    /// A communication's pace outlives its rounds: the transfers a round served ask for their next look a moment
    /// after it. Polls go to the budget with the lowest priority, so creates and deliveries are served first when
    /// it is short.
    /// </para>
    /// </summary>
    internal sealed class MediaStatusPoller
    {
        internal const int ListingPageSize = 100;

        /// <summary>How long a communication's pace is remembered after its last round with nobody waiting.</summary>
        private static readonly TimeSpan IdleGroupLifetime = TimeSpan.FromMinutes(2);

        private readonly GenesysMessagingApi _api;
        private readonly RequestBudget? _budget;
        private readonly TimeProvider _time;
        private readonly AuditLog? _audit;
        private readonly Dictionary<string, Group> _groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;
        private int _listingForbidden;
        private long _listingCalls;
        private long _singleCalls;

        public MediaStatusPoller(GenesysMessagingApi api, RequestBudget? budget, TimeProvider time, AuditLog? audit)
        {
            _api = api;
            _budget = budget;
            _time = time;
            _audit = audit;
        }

        /// <summary>False once Genesys refused the listing (403): every poll is a single GET from then on.</summary>
        public bool ListingAvailable => Volatile.Read(ref _listingForbidden) == 0;

        public long ListingCalls => Interlocked.Read(ref _listingCalls);

        public long SingleCalls => Interlocked.Read(ref _singleCalls);

        /// <summary>
        /// The media's status at the next poll that covers it: no earlier than <paramref name="pause"/> from now when
        /// polled alone, possibly sooner when a shared round for its communication comes first.
        /// </summary>
        public Task<MessageMediaData> NextAsync(FileTransfer transfer, TimeSpan pause, TimeSpan waited, ScanWaitOptions options, string? correlationId, CancellationToken cancellationToken)
        {
            string key = transfer.ConversationId + "/" + transfer.CommunicationId;
            var waiter = new Waiter(transfer, _time.GetUtcNow(), pause, waited, correlationId);
            Group group;
            bool start = false;
            lock (_groups)
            {
                if (!_groups.TryGetValue(key, out group!))
                {
                    ForgetIdleGroups(waiter.RegisteredAt);
                    group = new Group(transfer.ConversationId, transfer.CommunicationId, options);
                    _groups.Add(key, group);
                }

                group.Waiters.Add(waiter);
                group.Options = options;
                if (!group.Running)
                {
                    group.Running = true;
                    start = true;
                }
            }

            if (cancellationToken.CanBeCanceled)
            {
                CancellationTokenRegistration registration = cancellationToken.Register(() => waiter.Completion.TrySetCanceled(cancellationToken));
                _ = waiter.Completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            if (start)
            {
                _ = Task.Run(() => RunAsync(key, group));
            }
            else
            {
                group.Wake();
            }

            return waiter.Completion.Task;
        }

        private async Task RunAsync(string key, Group group)
        {
            while (true)
            {
                DateTimeOffset now = _time.GetUtcNow();
                List<Waiter> due;
                TimeSpan sleep;
                lock (_groups)
                {
                    group.Waiters.RemoveAll(w => w.Completion.Task.IsCompleted);
                    if (group.Waiters.Count == 0)
                    {
                        // The group stays: the transfers a round served ask for their next poll a moment later, and
                        // its pace (when the last round was, how many pages a round reads, which page is last)
                        // must still hold for them. Forgotten once idle (ForgetIdleGroups).
                        group.Running = false;
                        return;
                    }

                    DateTimeOffset roundAt = RoundTime(group, now, out bool shared);
                    sleep = roundAt - now;
                    due = sleep <= TimeSpan.Zero
                        ? (shared ? group.Waiters.ToList() : group.Waiters.Where(w => w.DueAt <= now + TimeSpan.FromMilliseconds(2)).ToList())
                        : new List<Waiter>();
                    if (due.Count > 0)
                    {
                        group.Waiters.RemoveAll(due.Contains);
                    }
                }

                if (due.Count == 0)
                {
                    await group.SleepAsync(sleep, _time).ConfigureAwait(false);
                    continue;
                }

                await PollRoundAsync(group, due).ConfigureAwait(false);
                group.LastRoundAt = _time.GetUtcNow();
                group.LastRoundSize = due.Count;
            }
        }

        /// <summary>When the next round is due, and whether it is a shared (listing) round.</summary>
        private DateTimeOffset RoundTime(Group group, DateTimeOffset now, out bool shared)
        {
            List<Waiter> waiting = group.Waiters;
            DateTimeOffset ownDue = waiting.Min(w => w.DueAt);
            // The transfers a shared round served ask for their next poll a moment after it; one that happens to be
            // alone in between (it joined during the round) keeps the shared pace instead of a GET of its own.
            shared = (waiting.Count >= 2 || group.LastRoundSize >= 2) && ListingAvailable;
            if (!shared)
            {
                return ownDue;
            }

            // One round answers for everybody: share the youngest wait's own pause among the transfers served, but
            // never faster than SharedInterval, and slower as the budget tightens.
            ScanWaitOptions options = group.Options;
            TimeSpan youngest = waiting.Min(w => w.WaitedAtRegistration + (now - w.RegisteredAt));
            double pages = Math.Max(1, group.PagesPerRound);
            TimeSpan share = TimeSpan.FromTicks((long)(options.IntervalAfter(youngest).Ticks * pages / waiting.Count));
            TimeSpan pause = share > options.SharedInterval ? share : options.SharedInterval;
            TimeSpan budgetPause = TimeSpan.Zero;
            if (_budget != null)
            {
                pause += _budget.PollBacklog;
                if (_budget.IsBusy)
                {
                    // The steadier of the two paces: near a window's end an unspent allowance makes the current
                    // spacing short, which would bring rounds back to back. (The backlog is not added: the round's
                    // request waits behind it in the budget anyway.)
                    TimeSpan slot = _budget.CurrentSpacing > _budget.AverageSpacing ? _budget.CurrentSpacing : _budget.AverageSpacing;
                    budgetPause = TimeSpan.FromTicks((long)(slot.Ticks * options.SharedBudgetSpacings * pages));
                    if (budgetPause > pause)
                    {
                        pause = budgetPause;
                    }
                }
            }

            DateTimeOffset earliestRegistered = waiting.Min(w => w.RegisteredAt);
            DateTimeOffset roundAt = group.LastRoundAt + pause;
            DateTimeOffset notBefore = earliestRegistered + options.SharedInterval;
            if (roundAt < notBefore)
            {
                roundAt = notBefore;
            }

            // A transfer whose own schedule comes first is not made to wait for the shared pace, but it is for the
            // budget's while the token is busy: a round of this communication then takes at most one request in
            // SharedBudgetSpacings of the budget's slots, whoever's schedule asks (every waiting transfer asks again
            // 100 to 250 ms after a round, so their own schedules alone would bring a listing call every quarter
            // second). A token far from its limit, or whose limit is ample, is polled as the schedules ask.
            if (ownDue < roundAt)
            {
                roundAt = ownDue;
            }

            DateTimeOffset budgetFloor = group.LastRoundAt + budgetPause;
            if (roundAt < budgetFloor)
            {
                roundAt = budgetFloor;
            }

            return roundAt;
        }

        /// <summary>Drops the communications nobody has waited in for a while (called under the lock).</summary>
        private void ForgetIdleGroups(DateTimeOffset now)
        {
            if (now - _lastSweep < IdleGroupLifetime)
            {
                return;
            }

            _lastSweep = now;
            foreach (string idle in _groups.Where(g => !g.Value.Running && g.Value.Waiters.Count == 0 && now - g.Value.LastRoundAt > IdleGroupLifetime).Select(g => g.Key).ToList())
            {
                _groups.Remove(idle);
            }
        }

        private async Task PollRoundAsync(Group group, List<Waiter> due)
        {
            due.RemoveAll(w => w.Completion.Task.IsCompleted);
            if (due.Count == 0)
            {
                return;
            }

            var results = new Dictionary<string, MessageMediaData>(StringComparer.Ordinal);
            if (due.Count >= 2 && ListingAvailable)
            {
                await ListAsync(group, due, results).ConfigureAwait(false);
            }

            // Alone in the round, or missing from the listing (a media Genesys no longer knows answers 404 here).
            IEnumerable<Task> singles = due.Where(w => !results.ContainsKey(w.Transfer.MediaId!)).Select(async w =>
            {
                try
                {
                    Interlocked.Increment(ref _singleCalls);
                    MessageMediaData media = await _api.GetMediaAsync(w.Transfer.ConversationId, w.Transfer.CommunicationId, w.Transfer.MediaId!, Context(w.Transfer, w.CorrelationId), w.Token).ConfigureAwait(false);
                    w.Completion.TrySetResult(media);
                }
                catch (Exception ex)
                {
                    w.Completion.TrySetException(ex);
                }
            });
            await Task.WhenAll(singles).ConfigureAwait(false);
            foreach (Waiter w in due)
            {
                if (results.TryGetValue(w.Transfer.MediaId!, out MessageMediaData? media))
                {
                    w.Completion.TrySetResult(media);
                }
            }
        }

        /// <summary>
        /// Reads listing pages until every waiting media is found: the last page first (the emulator and, as far as
        /// observed, Genesys list media in the order they were created, so media still validating are at the end),
        /// then backwards. The first page is sized so that it holds every waiting media when they can fit on one
        /// (<see cref="FirstPage"/>).
        /// </summary>
        private async Task ListAsync(Group group, List<Waiter> due, Dictionary<string, MessageMediaData> results)
        {
            var wanted = new HashSet<string>(due.Select(w => w.Transfer.MediaId!), StringComparer.Ordinal);
            var visited = new HashSet<int>();
            // Media the last listing did not show were created since, after everything it counted.
            long total = -1;
            long oldest = -1;
            if (group.KnownTotal >= 0)
            {
                int unseen = 0;
                oldest = long.MaxValue;
                foreach (string id in wanted)
                {
                    if (group.Positions.TryGetValue(id, out long position))
                    {
                        oldest = Math.Min(oldest, position);
                    }
                    else
                    {
                        unseen++;
                        oldest = Math.Min(oldest, group.KnownTotal);
                    }
                }

                total = group.KnownTotal + unseen;
            }

            (int page, int pageSize) = FirstPage(total, oldest, Math.Max(1, group.PageCountHint));
            var positions = new Dictionary<string, long>(StringComparer.Ordinal);
            int pages = 0;
            Waiter first = due[0];
            try
            {
                while (true)
                {
                    Interlocked.Increment(ref _listingCalls);
                    pages++;
                    MessageMediaListing listing = await _api.ListMediaAsync(group.ConversationId, group.CommunicationId, page, pageSize, Context(first.Transfer, first.CorrelationId, listing: true), CancellationToken.None).ConfigureAwait(false);
                    visited.Add(page);
                    List<MessageMediaData> entities = listing.Entities ?? new List<MessageMediaData>();
                    for (int i = 0; i < entities.Count; i++)
                    {
                        MessageMediaData media = entities[i];
                        if (media.Id != null && wanted.Remove(media.Id))
                        {
                            results[media.Id] = media;
                            positions[media.Id] = (long)(page - 1) * pageSize + i;
                        }
                    }

                    int count = Math.Max(1, listing.PageCount ?? 1);
                    if (listing.Total is long listed)
                    {
                        group.KnownTotal = listed;
                        group.PageCountHint = (int)Math.Max(1, (listed + ListingPageSize - 1) / ListingPageSize);
                    }
                    else
                    {
                        group.KnownTotal = -1;
                        group.PageCountHint = pageSize == ListingPageSize ? count : 1;
                    }

                    if (wanted.Count == 0)
                    {
                        break;
                    }

                    // Media created since the last round are on later pages; older ones on earlier pages.
                    int next = Enumerable.Range(1, count).Where(p => !visited.Contains(p)).Select(p => (int?)p).OrderByDescending(p => p).FirstOrDefault() ?? 0;
                    if (next == 0)
                    {
                        break;
                    }

                    page = next;
                }
            }
            catch (GenesysApiException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
            {
                if (Interlocked.Exchange(ref _listingForbidden, 1) == 0)
                {
                    _audit?.Write(new AuditRecord(AuditOperations.ScanPoll, AuditOutcomes.Refused)
                    {
                        ConversationId = group.ConversationId,
                        CorrelationId = first.CorrelationId,
                        HttpStatus = 403,
                        ErrorCode = ex.ErrorCode,
                        Detail = "listing the communication's media was refused (the OAuth client lacks conversation:messageMedia:view); polling each media on its own from now on",
                    });
                }
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                // Whatever failed is retried as single GETs in this round, which report their own errors.
            }

            group.PagesPerRound = group.PagesPerRound <= 0 ? pages : (group.PagesPerRound * 3 + pages) / 4.0;
            // Where this round found them, for the media that are still validating and will be asked for again.
            group.Positions = positions.Where(p => results.TryGetValue(p.Key, out MessageMediaData? media) && !media.IsValidated)
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        }

        /// <summary>
        /// The page to read first, and the page size, for a communication of <paramref name="total"/> media whose oldest
        /// waiting one is at position <paramref name="oldest"/> (0-based; -1 when unknown). With a fixed size of 100, a
        /// round soon after the communication passed 100 media finds its newest media alone on page 2 and the older
        /// ones on page 1: two requests, for as long as media on both sides wait. A smaller page ending at the last
        /// media and starting at or before the oldest waiting one answers for all of them in one request. When the
        /// waiting media span more than one full page, or nothing is known yet, it is the last full page by
        /// <paramref name="hintPage"/>.
        /// </summary>
        internal static (int Page, int Size) FirstPage(long total, long oldest, int hintPage)
        {
            if (total <= ListingPageSize || oldest < 0 || oldest >= total || total - oldest > ListingPageSize)
            {
                return (total >= 0 && total <= ListingPageSize ? 1 : hintPage, ListingPageSize);
            }

            for (int size = ListingPageSize; size >= total - oldest; size--)
            {
                long last = (total + size - 1) / size;
                if ((last - 1) * size <= oldest)
                {
                    return ((int)last, size);
                }
            }

            return (hintPage, ListingPageSize);
        }

        private static ApiCallContext Context(FileTransfer transfer, string? correlationId, bool listing = false) => new ApiCallContext(AuditOperations.ScanPoll)
        {
            TransferId = listing ? (Guid?)null : transfer.TransferId,
            MediaId = listing ? null : transfer.MediaId,
            ConversationId = transfer.ConversationId,
            CorrelationId = correlationId,
            FileName = listing ? null : transfer.FileName,
            Priority = RequestPriority.Poll,
        };

        private sealed class Waiter
        {
            public Waiter(FileTransfer transfer, DateTimeOffset now, TimeSpan pause, TimeSpan waited, string? correlationId)
            {
                Transfer = transfer;
                RegisteredAt = now;
                Pause = pause;
                DueAt = now + pause;
                WaitedAtRegistration = waited;
                CorrelationId = correlationId;
            }

            public FileTransfer Transfer { get; }
            public DateTimeOffset RegisteredAt { get; }
            public TimeSpan Pause { get; }
            public DateTimeOffset DueAt { get; }
            public TimeSpan WaitedAtRegistration { get; }
            public string? CorrelationId { get; }
            public CancellationToken Token => CancellationToken.None;
            public TaskCompletionSource<MessageMediaData> Completion { get; } = new TaskCompletionSource<MessageMediaData>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        private sealed class Group
        {
            private TaskCompletionSource<bool> _wake = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            public Group(string conversationId, string communicationId, ScanWaitOptions options)
            {
                ConversationId = conversationId;
                CommunicationId = communicationId;
                Options = options;
            }

            public string ConversationId { get; }
            public string CommunicationId { get; }
            public ScanWaitOptions Options { get; set; }
            public List<Waiter> Waiters { get; } = new List<Waiter>();
            public DateTimeOffset LastRoundAt { get; set; } = DateTimeOffset.MinValue;

            /// <summary>How many transfers the last round answered for.</summary>
            public int LastRoundSize { get; set; }

            /// <summary>True while a loop (RunAsync) serves the group; set and cleared under the poller's lock.</summary>
            public bool Running { get; set; }
            public int PageCountHint { get; set; }
            public double PagesPerRound { get; set; }

            /// <summary>The communication's media count at the last listing (-1 when unknown).</summary>
            public long KnownTotal { get; set; } = -1;

            /// <summary>Where the last round found each media that was still validating (0-based, in creation order).</summary>
            public Dictionary<string, long> Positions { get; set; } = new Dictionary<string, long>(StringComparer.Ordinal);

            public void Wake() => Volatile.Read(ref _wake).TrySetResult(true);

            public async Task SleepAsync(TimeSpan sleep, TimeProvider time)
            {
                TaskCompletionSource<bool> wake = Volatile.Read(ref _wake);
                using var timeout = new CancellationTokenSource();
                Task delay = time.Delay(sleep, timeout.Token);
                await Task.WhenAny(delay, wake.Task).ConfigureAwait(false);
                timeout.Cancel();
                if (wake.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _wake, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously), wake);
                }
            }
        }
    }
}
