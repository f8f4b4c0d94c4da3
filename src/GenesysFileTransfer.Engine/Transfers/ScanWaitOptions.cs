using System;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// How Genesys' validation status is polled. Genesys sends no notification, so a poll is the only way to learn
    /// that media became valid, and the pause between polls is how late the client can notice it. The schedule:
    /// a short first pause that grows by <see cref="BackoffFactor"/>, held at <see cref="FastInterval"/> or less
    /// while the wait is younger than <see cref="FastWindow"/> (most media validates within a few seconds, and this
    /// is when noticing quickly matters), then growing again up to <see cref="MaxInterval"/>, so a slow validation
    /// costs few requests. With the defaults: 100, 150, 225, then every 250 ms until 5 s have passed, then 375,
    /// 563, 844, 1266, 1898 and 2000 ms from then on.
    /// </summary>
    public sealed class ScanWaitOptions
    {
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The pause before the first poll.</summary>
        public TimeSpan InitialInterval { get; set; } = TimeSpan.FromMilliseconds(100);

        /// <summary>The longest pause between two polls, once the fast window is over.</summary>
        public TimeSpan MaxInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>Each pause is this many times the one before (1 = constant).</summary>
        public double BackoffFactor { get; set; } = 1.5;

        /// <summary>
        /// The longest pause while the wait is younger than <see cref="FastWindow"/>. 250 ms keeps the time from the
        /// media becoming valid to the client noticing it under 300 ms (one pause plus one request) for validations
        /// that take up to <see cref="FastWindow"/>, at no more than four polls a second per file.
        /// </summary>
        public TimeSpan FastInterval { get; set; } = TimeSpan.FromMilliseconds(250);

        /// <summary>How long (in pauses waited so far) the pauses are held at <see cref="FastInterval"/>; zero turns the hold off.</summary>
        public TimeSpan FastWindow { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// The shortest pause between two shared rounds: polls of several transfers in one communication, which one
        /// listing call answers for all of them. Shared rounds are cheap per transfer, so they can come this often
        /// while the request budget is ample; the poller stretches them as waits grow and the budget tightens.
        /// </summary>
        public TimeSpan SharedInterval { get; set; } = TimeSpan.FromMilliseconds(100);

        /// <summary>
        /// While the connection's token is busy (a quarter of its allowance used in this window or the last), a
        /// shared round takes at most one request in this many of the budget's slots (per listing page), whatever
        /// the waiting transfers' own schedules ask: the polling of one communication costs at most an eleventh of the
        /// token's allowance and leaves the rest to creates and deliveries. At Genesys' 300 requests a minute that
        /// is a round every 2.2 s or more. (Ten, a round every 2 s, cost 2.32 API calls per file for a batch in one
        /// conversation at 3 s of validation; eleven brought it to 2.29 and the batch finished sooner, since the
        /// requests saved went to creates and deliveries: docs/benchmarks.md.)
        /// </summary>
        public double SharedBudgetSpacings { get; set; } = 11;

        /// <summary>The pause this schedule takes once <paramref name="waited"/> has passed since the wait began.</summary>
        public TimeSpan IntervalAfter(TimeSpan waited)
        {
            TimeSpan sum = TimeSpan.Zero;
            for (int poll = 1; poll < 10_000; poll++)
            {
                TimeSpan pause = IntervalFor(poll);
                sum += pause;
                if (sum > waited || pause <= TimeSpan.Zero)
                {
                    return pause;
                }
            }

            return MaxInterval;
        }

        /// <summary>The pause before poll number <paramref name="poll"/> (1-based).</summary>
        public TimeSpan IntervalFor(int poll)
        {
            double factor = BackoffFactor < 1 ? 1 : BackoffFactor;
            double max = Math.Max(0, MaxInterval.TotalMilliseconds);
            double fastCap = Math.Min(Math.Max(0, FastInterval.TotalMilliseconds), max);
            double window = FastWindow.TotalMilliseconds;
            double next = Math.Max(0, InitialInterval.TotalMilliseconds);
            double waited = 0;
            for (int i = 1; ; i++)
            {
                double pause = Math.Min(next, waited < window ? fastCap : max);
                if (i >= poll)
                {
                    return TimeSpan.FromMilliseconds(pause);
                }

                waited += pause;
                // Growth continues from the pause actually taken, so leaving the fast window does not jump straight
                // to the maximum.
                next = pause * factor;
            }
        }
    }
}
