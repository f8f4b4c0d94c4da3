using System;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// How Genesys' validation status is polled: a short first delay (most files validate within a second),
    /// growing geometrically to a cap so a slow scan does not flood the API.
    /// </summary>
    public sealed class ScanWaitOptions
    {
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
        public TimeSpan InitialInterval { get; set; } = TimeSpan.FromMilliseconds(100);
        public TimeSpan MaxInterval { get; set; } = TimeSpan.FromSeconds(2);
        public double BackoffFactor { get; set; } = 1.5;

        /// <summary>The delay before poll number <paramref name="poll"/> (1-based).</summary>
        public TimeSpan IntervalFor(int poll)
        {
            double factor = BackoffFactor < 1 ? 1 : BackoffFactor;
            double ms = InitialInterval.TotalMilliseconds * Math.Pow(factor, Math.Max(0, poll - 1));
            return TimeSpan.FromMilliseconds(Math.Min(ms, MaxInterval.TotalMilliseconds));
        }
    }
}
