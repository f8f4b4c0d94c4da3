using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GenesysFileTransfer.Engine.Audit;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// A presigned upload target: the URL and the headers that were signed with it. It is a bearer credential, so
    /// it is kept off every public surface; <see cref="RedactedUrl"/> is what may be shown or logged.
    /// </summary>
    internal sealed class PresignedUpload
    {
        public PresignedUpload(Uri url, IReadOnlyDictionary<string, string> headers, DateTimeOffset expiresAt, bool expiryFromUrl)
        {
            Url = url;
            Headers = headers;
            ExpiresAt = expiresAt;
            ExpiryFromUrl = expiryFromUrl;
        }

        public Uri Url { get; }
        public IReadOnlyDictionary<string, string> Headers { get; }
        public DateTimeOffset ExpiresAt { get; }
        /// <summary>False when the URL carried no expiry and the configured default lifetime was assumed.</summary>
        public bool ExpiryFromUrl { get; }
        public string RedactedUrl => Redaction.StripQuery(Url) ?? string.Empty;
    }

    /// <summary>
    /// Genesys does not say when an upload URL expires, so the expiry is read from the presigned query itself:
    /// S3 SigV4 (X-Amz-Date + X-Amz-Expires), S3 SigV2 (Expires, epoch seconds) or Azure SAS (se).
    /// </summary>
    public static class PresignedUrlExpiry
    {
        public static bool TryParse(Uri url, out DateTimeOffset expiresAt)
        {
            expiresAt = default;
            if (url is null || !url.IsAbsoluteUri || string.IsNullOrEmpty(url.Query))
            {
                return false;
            }

            Dictionary<string, string> query = ParseQuery(url.Query);
            if (query.TryGetValue("X-Amz-Date", out string? date) && query.TryGetValue("X-Amz-Expires", out string? expires)
                && DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset signedAt)
                && long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
            {
                expiresAt = signedAt.AddSeconds(seconds);
                return true;
            }

            if (query.TryGetValue("Expires", out string? epoch) && long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out long unix))
            {
                expiresAt = DateTimeOffset.FromUnixTimeSeconds(unix);
                return true;
            }

            if (query.TryGetValue("se", out string? sasExpiry)
                && DateTimeOffset.TryParse(sasExpiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset sas))
            {
                expiresAt = sas;
                return true;
            }

            return false;
        }

        private static Dictionary<string, string> ParseQuery(string query)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string pair in query.TrimStart('?').Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                string name = Uri.UnescapeDataString(eq < 0 ? pair : pair.Substring(0, eq));
                string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(eq + 1).Replace('+', ' '));
                if (!result.ContainsKey(name))
                {
                    result[name] = value;
                }
            }

            return result;
        }
    }
}
