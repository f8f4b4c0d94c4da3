using System.Net;
using System.Net.Http;
using GenesysFileTransfer.Engine.Http;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>
/// The request budget one connection shares between its commands, driven on a fake clock against a server that
/// limits the token the way Genesys and the emulator do (a fixed window; <c>inin-ratelimit-*</c> on every answer,
/// 429 with <c>Retry-After</c> beyond the allowance). The server is the judge: every assertion counts what it
/// accepted and refused, or the order in which waiting requests were let through. Nothing here reads a real clock.
/// </summary>
public class RequestBudgetTests
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(5);

    [Fact]
    public void Keeps_every_window_within_the_allowance_the_headers_state()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        var server = new RateLimitedServer(allowed: 50, windowSeconds: 10);

        // Eight requests always waiting, for a minute and a half: several times what the token allows.
        int sent = Drive(clock, budget, server, TimeSpan.FromSeconds(90), waiting: 8);

        Assert.Equal(0, server.Refused);
        Assert.Equal(50, budget.Limit);
        Assert.All(server.Windows, w => Assert.True(w.Accepted <= 50, $"a window accepted {w.Accepted}"));
        // Not kept under by sitting still: nine windows' worth went through.
        Assert.True(sent >= 9 * 45, $"only {sent} requests in 90 s at 50 per 10 s");
        Assert.True(budget.Delayed > 0);
    }

    [Fact]
    public void Spreads_the_allowance_over_the_window_instead_of_spending_it_at_the_start()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        var server = new RateLimitedServer(allowed: 50, windowSeconds: 10);

        Drive(clock, budget, server, TimeSpan.FromSeconds(45), waiting: 8);

        // Every full window after the first (whose first requests went out before the limit was known): at most
        // about half the allowance in the first half of the window, and the rest in the second.
        foreach (RateLimitedServer.Window window in server.Windows.Skip(1).SkipLast(1))
        {
            int firstHalf = window.AcceptedAt.Count(at => at < window.Start + TimeSpan.FromSeconds(5));
            Assert.InRange(firstHalf, 20, 30);
            Assert.InRange(window.Accepted - firstHalf, 20, 30);
        }
    }

    [Fact]
    public void Waits_out_a_429s_retry_after_before_letting_anything_go()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        budget.Observe(Reply(HttpStatusCode.OK, allowed: 300, count: 10, reset: 40), clock.GetUtcNow());

        budget.Observe(Reply((HttpStatusCode)429, allowed: 300, count: 300, reset: 40, retryAfter: 3), clock.GetUtcNow());
        Task normal = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);
        Task poll = budget.AcquireAsync(RequestPriority.Poll, CancellationToken.None);

        Assert.Equal(1, budget.Throttled);
        clock.Advance(TimeSpan.FromMilliseconds(2900));
        Assert.False(normal.IsCompleted);
        Assert.False(poll.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(normal.IsCompleted);
    }

    [Fact]
    public void A_429_stops_the_budget_even_before_any_limit_is_known()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);

        budget.Observe(Reply((HttpStatusCode)429, retryAfter: 2), clock.GetUtcNow());
        Task next = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);

        Assert.Null(budget.Limit);
        clock.Advance(TimeSpan.FromMilliseconds(1990));
        Assert.False(next.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(next.IsCompleted);
    }

    [Fact]
    public void The_first_request_of_a_new_window_goes_when_the_window_starts()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        // Ten per two seconds, eight used: one more may go (one is kept in reserve).
        budget.Observe(Reply(HttpStatusCode.OK, allowed: 10, count: 8, reset: 2), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(1950));
        Task last = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);
        Task next = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);

        Assert.True(last.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(60));
        Assert.False(next.IsCompleted);
        // The window ends at 2 s (the budget allows 30 ms for clocks that differ). Its successor has its whole
        // allowance: the next request goes now, not a paced slot after the old window's last request.
        clock.Advance(TimeSpan.FromMilliseconds(30));
        Assert.True(next.IsCompleted);
    }

    [Fact]
    public void Counts_as_busy_from_a_quarter_of_the_allowance_into_the_next_window_but_not_after_an_idle_one()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        var server = new RateLimitedServer(allowed: 40, windowSeconds: 10);
        bool unknown = budget.IsBusy;

        // Nine requests (paced over the first half of the window): under a quarter of forty.
        int nine = Drive(clock, budget, server, TimeSpan.FromSeconds(8), waiting: 1, total: 9);
        bool atNine = budget.IsBusy;
        int ten = Drive(clock, budget, server, TimeSpan.FromSeconds(3), waiting: 1, total: 1);
        bool atTen = budget.IsBusy;
        // The next window (the first began at 0 s and ends at 10 s), nothing asked yet: a quarter of the last one was used.
        clock.Advance(T0 + TimeSpan.FromSeconds(12) - clock.GetUtcNow());
        bool nextWindow = budget.IsBusy;
        // More than a whole window without a request: nothing is known to be asking.
        clock.Advance(TimeSpan.FromSeconds(25));
        bool afterIdle = budget.IsBusy;

        Assert.Equal(9, nine);
        Assert.Equal(1, ten);
        Assert.Single(server.Windows);
        Assert.False(unknown);
        Assert.False(atNine);
        Assert.True(atTen);
        Assert.True(nextWindow);
        Assert.False(afterIdle);
    }

    [Fact]
    public void Lets_everything_through_at_once_until_an_answer_states_a_limit()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);

        Task[] first = Enumerable.Range(0, 20).Select(_ => budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None)).ToArray();

        Assert.All(first, t => Assert.True(t.IsCompleted));
        Assert.Equal(0, budget.Delayed);
    }

    [Fact]
    public void Creates_and_deliveries_go_before_status_polls_when_the_budget_is_short()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        // Nine of ten used with ten seconds to go: nothing more in this window (one is kept in reserve).
        budget.Observe(Reply(HttpStatusCode.OK, allowed: 10, count: 9, reset: 10), clock.GetUtcNow());
        var order = new List<string>();
        var waiting = new Dictionary<string, Task>
        {
            ["poll-1"] = budget.AcquireAsync(RequestPriority.Poll, CancellationToken.None),
            ["poll-2"] = budget.AcquireAsync(RequestPriority.Poll, CancellationToken.None),
            ["create-1"] = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None),
        };

        bool deliveryQueued = false;
        for (int i = 0; i < 4000 && waiting.Count > 0; i++)
        {
            clock.Advance(Step);
            foreach (string name in waiting.Where(w => w.Value.IsCompleted).Select(w => w.Key).OrderBy(n => n).ToList())
            {
                order.Add(name);
                waiting.Remove(name);
            }

            // A delivery that asks after the create went still goes before the polls that asked first.
            if (!deliveryQueued && order.Count > 0)
            {
                waiting["deliver-1"] = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);
                deliveryQueued = true;
            }
        }

        Assert.Equal(new[] { "create-1", "deliver-1", "poll-1", "poll-2" }, order);
    }

    [Fact]
    public void A_poll_asked_for_while_creates_wait_reports_the_backlog_ahead_of_it()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        budget.Observe(Reply(HttpStatusCode.OK, allowed: 50, count: 1, reset: 10), clock.GetUtcNow());
        TimeSpan idle = budget.PollBacklog;

        for (int i = 0; i < 6; i++)
        {
            _ = budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None);
        }

        Assert.Equal(TimeSpan.Zero, idle);
        // Five creates wait behind the one that went at once, each a paced slot ahead of a poll.
        Assert.True(budget.PollBacklog > budget.CurrentSpacing * 4, $"backlog {budget.PollBacklog}, spacing {budget.CurrentSpacing}");
    }

    [Fact]
    public async Task Two_users_of_one_budget_together_stay_within_the_allowance()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        var server = new RateLimitedServer(allowed: 20, windowSeconds: 2);
        using var stop = new CancellationTokenSource();
        int parked = 0;
        long answered = 0;
        var servedBy = new int[2];

        // Two commands on the same connection, each with four requests of its own waiting at any time, on threads
        // of their own: neither knows of the other, only the budget is shared.
        Task Lane(int user) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Task slot = budget.AcquireAsync(RequestPriority.Normal, stop.Token);
                Interlocked.Increment(ref parked);
                try
                {
                    await slot.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    Interlocked.Decrement(ref parked);
                }

                DateTimeOffset now = clock.GetUtcNow();
                budget.Observe(server.Answer(now), now);
                Interlocked.Increment(ref servedBy[user]);
                Interlocked.Increment(ref answered);
            }
        });
        Task[] lanes = Enumerable.Range(0, 8).Select(i => Lane(i % 2)).ToArray();

        for (int i = 0; i < 2000; i++)
        {
            // Move the clock on only once every granted request has been answered and every lane waits again.
            SpinWait.SpinUntil(() => Volatile.Read(ref parked) == lanes.Length && Interlocked.Read(ref answered) == budget.Granted, TimeSpan.FromSeconds(30));
            clock.Advance(Step);
        }

        stop.Cancel();
        await Task.WhenAll(lanes);

        Assert.Equal(0, server.Refused);
        Assert.All(server.Windows, w => Assert.True(w.Accepted <= 20, $"a window accepted {w.Accepted}"));
        // Ten seconds at 20 per 2 s: the two shared about a hundred requests, and both were served.
        Assert.True(servedBy[0] + servedBy[1] >= 80, $"served {servedBy[0]} + {servedBy[1]}");
        Assert.True(servedBy[0] > 0 && servedBy[1] > 0, $"served {servedBy[0]} + {servedBy[1]}");
    }

    [Fact]
    public void A_changed_allowance_is_paced_by_its_own_window_and_not_by_the_old_ones()
    {
        var clock = new FakeTimeProvider(T0);
        using var budget = new RequestBudget(clock);
        // A connection that first saw a generous limit with a long window (300 per 60 s, Genesys' default) ...
        var server = new RateLimitedServer(allowed: 300, windowSeconds: 60);
        Drive(clock, budget, server, TimeSpan.FromSeconds(1), waiting: 1);

        // ... then a stricter one with a short window (the org's limit changed, or another token's rules apply).
        server.Change(allowed: 50, windowSeconds: 10);
        int sent = Drive(clock, budget, server, TimeSpan.FromSeconds(60), waiting: 8);

        Assert.Equal(0, server.Refused);
        Assert.Equal(50, budget.Limit);
        // Six whole windows fit in the minute; pacing the start of each by the old 60 s window would have left
        // the token idle for about a second between windows, and a whole window's worth unused by the end.
        Assert.True(sent >= 6 * 48, $"only {sent} requests in 60 s at 50 per 10 s");
    }

    /// <summary>Keeps <paramref name="waiting"/> requests waiting on the budget and answers each one as it is let through.</summary>
    private static int Drive(FakeTimeProvider clock, RequestBudget budget, RateLimitedServer server, TimeSpan duration, int waiting, int total = int.MaxValue)
    {
        var queue = new List<Task>();
        int sent = 0;
        int asked = 0;
        DateTimeOffset end = clock.GetUtcNow() + duration;
        while (clock.GetUtcNow() < end && sent < total)
        {
            while (queue.Count < waiting && asked < total)
            {
                queue.Add(budget.AcquireAsync(RequestPriority.Normal, CancellationToken.None));
                asked++;
            }

            foreach (Task granted in queue.Where(t => t.IsCompleted).ToList())
            {
                queue.Remove(granted);
                DateTimeOffset now = clock.GetUtcNow();
                budget.Observe(server.Answer(now), now);
                sent++;
            }

            clock.Advance(Step);
        }

        return sent;
    }

    private static HttpResponseMessage Reply(HttpStatusCode status, int? allowed = null, int? count = null, int? reset = null, int? retryAfter = null)
    {
        var response = new HttpResponseMessage(status);
        if (allowed is int a)
        {
            response.Headers.TryAddWithoutValidation("inin-ratelimit-allowed", a.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (count is int c)
        {
            response.Headers.TryAddWithoutValidation("inin-ratelimit-count", c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (reset is int r)
        {
            response.Headers.TryAddWithoutValidation("inin-ratelimit-reset", r.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (retryAfter is int wait)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", wait.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    /// <summary>
    /// A token's limit as the emulator enforces it: a fixed window that starts with the first request after the
    /// previous one ended; every answer says the allowance, the count so far and the whole seconds to the reset
    /// (rounded up); beyond the allowance, 429 with Retry-After.
    /// </summary>
    private sealed class RateLimitedServer
    {
        private readonly object _gate = new object();
        private int _allowed;
        private int _windowSeconds;

        public RateLimitedServer(int allowed, int windowSeconds)
        {
            _allowed = allowed;
            _windowSeconds = windowSeconds;
        }

        public List<Window> Windows { get; } = new List<Window>();

        public int Refused { get; private set; }

        public void Change(int allowed, int windowSeconds)
        {
            lock (_gate)
            {
                _allowed = allowed;
                _windowSeconds = windowSeconds;
                Windows.Clear();
                Refused = 0;
            }
        }

        public HttpResponseMessage Answer(DateTimeOffset now)
        {
            lock (_gate)
            {
                Window? current = Windows.Count == 0 ? null : Windows[^1];
                if (current is null || now >= current.Start + TimeSpan.FromSeconds(_windowSeconds))
                {
                    current = new Window(now);
                    Windows.Add(current);
                }

                int reset = Math.Max(1, (int)Math.Ceiling((current.Start + TimeSpan.FromSeconds(_windowSeconds) - now).TotalSeconds));
                if (current.Accepted >= _allowed)
                {
                    Refused++;
                    return Reply((HttpStatusCode)429, _allowed, current.Accepted, reset, retryAfter: reset);
                }

                current.AcceptedAt.Add(now);
                return Reply(HttpStatusCode.OK, _allowed, current.Accepted, reset);
            }
        }

        public sealed class Window
        {
            public Window(DateTimeOffset start) => Start = start;

            public DateTimeOffset Start { get; }

            public List<DateTimeOffset> AcceptedAt { get; } = new List<DateTimeOffset>();

            public int Accepted => AcceptedAt.Count;
        }
    }
}
