using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>Reads the server's Retry-After hint (delta seconds or an HTTP date).</summary>
    public static class RetryAfter
    {
        public static TimeSpan? Parse(HttpResponseMessage? response, DateTimeOffset now)
        {
            if (response is null)
            {
                return null;
            }

            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (header?.Date is DateTimeOffset date)
            {
                TimeSpan wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }

            // Some gateways send fractional seconds, which the typed header rejects.
            if (response.Headers.TryGetValues("Retry-After", out var raw))
            {
                string? first = raw.FirstOrDefault();
                if (double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0)
                {
                    return TimeSpan.FromSeconds(seconds);
                }
            }

            return null;
        }
    }
}
