namespace GenesysFileTransfer.Emulator.Auth;

/// <summary>The outcome of counting one API call against a token's budget.</summary>
internal readonly record struct RateDecision(bool Allowed, int Count, int Limit, int ResetSeconds);

/// <summary>A fixed window per token: simple, and it gives the inin-ratelimit-* headers honest numbers.</summary>
internal sealed class RateWindow
{
    private readonly object _gate = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _count;

    public RateDecision Register(DateTimeOffset now, RateLimitSettings? limit)
    {
        var windowSeconds = limit?.WindowSeconds ?? EmulatorDefaults.UnlimitedRateLimitWindowSeconds;
        var allowed = limit?.Requests ?? EmulatorDefaults.UnlimitedRateLimitAllowed;
        lock (_gate)
        {
            var windowEnd = _windowStart == DateTimeOffset.MinValue ? now : _windowStart.AddSeconds(windowSeconds);
            if (now >= windowEnd)
            {
                _windowStart = now;
                _count = 0;
                windowEnd = now.AddSeconds(windowSeconds);
            }

            var resetSeconds = Math.Max(1, (int)Math.Ceiling((windowEnd - now).TotalSeconds));
            if (limit is not null && _count >= limit.Requests)
                return new RateDecision(false, _count, allowed, resetSeconds);

            _count++;
            return new RateDecision(true, _count, allowed, resetSeconds);
        }
    }
}
