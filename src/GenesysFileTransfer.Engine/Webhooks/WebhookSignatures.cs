using System;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>The verdict of a signature check: valid, or the <see cref="WebhookReasons"/> code and a short explanation.</summary>
    public readonly struct SignatureCheck
    {
        private SignatureCheck(string? reason, string? detail, string? webhookId, DateTimeOffset? timestamp)
        {
            Reason = reason;
            Detail = detail;
            WebhookId = webhookId;
            Timestamp = timestamp;
        }

        public bool IsValid => Reason is null;

        public string? Reason { get; }

        /// <summary>For the receiver's log; never contains the secret or the expected signature.</summary>
        public string? Detail { get; }

        /// <summary>Standard Webhooks: the verified <c>webhook-id</c>.</summary>
        public string? WebhookId { get; }

        /// <summary>Standard Webhooks: the verified <c>webhook-timestamp</c>.</summary>
        public DateTimeOffset? Timestamp { get; }

        internal static SignatureCheck Valid(string? webhookId = null, DateTimeOffset? timestamp = null) => new SignatureCheck(null, null, webhookId, timestamp);

        internal static SignatureCheck Fail(string reason, string detail, string? webhookId = null, DateTimeOffset? timestamp = null) =>
            new SignatureCheck(reason, detail, webhookId, timestamp);
    }

    /// <summary>
    /// Genesys Cloud Open Messaging: <c>X-Hub-Signature-256: sha256=&lt;base64(HMAC-SHA256(secret token, raw body))&gt;</c>.
    /// Base64, not hex. Verified on the raw bytes as received, never on re-serialised JSON.
    /// </summary>
    public static class OpenMessagingSignature
    {
        public const string HeaderName = "X-Hub-Signature-256";
        public const string Prefix = "sha256=";

        /// <summary>The header value a sender puts on <paramref name="body"/>.</summary>
        public static string Compute(WebhookSecret secret, byte[] body) =>
            Prefix + Convert.ToBase64String(secret.ComputeHmac(new ArraySegment<byte>(body)));

        public static SignatureCheck Verify(byte[] body, WebhookHeaders headers, WebhookSecret secret)
        {
            if (!headers.TryGet(HeaderName, out string value))
            {
                return SignatureCheck.Fail(WebhookReasons.SignatureMissing, $"No {HeaderName} header.");
            }

            byte[] expected = secret.ComputeHmac(new ArraySegment<byte>(body));
            bool wellFormed = false;
            // One value normally; a header repeated by a proxy arrives joined by spaces (or commas), and any one of
            // them may be the right one.
            foreach (string candidate in value.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!candidate.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                byte[]? presented = DecodeBase64(candidate.Substring(Prefix.Length));
                if (presented is null)
                {
                    continue;
                }

                wellFormed = true;
                if (ConstantTime.AreEqual(expected, presented))
                {
                    return SignatureCheck.Valid();
                }
            }

            return SignatureCheck.Fail(
                WebhookReasons.SignatureMismatch,
                wellFormed
                    ? $"The {HeaderName} signature does not match the body (a wrong secret, a forged request, or a body changed on the way)."
                    : $"The {HeaderName} value is not '{Prefix}' followed by base64.");
        }

        internal static byte[]? DecodeBase64(string text)
        {
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The Standard Webhooks scheme (standardwebhooks.com): <c>webhook-signature</c> holds one or more space-separated
    /// <c>v1,&lt;base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))&gt;</c>; the timestamp (Unix
    /// seconds) must be within a tolerance of now, so a captured request cannot be replayed later.
    /// </summary>
    public static class StandardWebhooksSignature
    {
        public const string IdHeader = "webhook-id";
        public const string TimestampHeader = "webhook-timestamp";
        public const string SignatureHeader = "webhook-signature";

        // Svix, which the scheme grew out of, sends the same values under these names.
        private const string SvixIdHeader = "svix-id";
        private const string SvixTimestampHeader = "svix-timestamp";
        private const string SvixSignatureHeader = "svix-signature";

        // Version and base64 signature; matched rather than split, so lists joined by spaces or by commas both work.
        private static readonly Regex SignatureEntry = new Regex(
            @"(?<version>v[0-9]+[a-z]*),(?<signature>[A-Za-z0-9+/]+={0,2})",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        /// <summary>The <c>webhook-signature</c> value a sender puts on <paramref name="body"/>.</summary>
        public static string Compute(WebhookSecret secret, string webhookId, long timestamp, byte[] body) =>
            "v1," + Convert.ToBase64String(Mac(secret, webhookId, timestamp.ToString(CultureInfo.InvariantCulture), body));

        public static SignatureCheck Verify(byte[] body, WebhookHeaders headers, WebhookSecret secret, DateTimeOffset now, TimeSpan tolerance)
        {
            string? id = headers[IdHeader] ?? headers[SvixIdHeader];
            if (id is null)
            {
                return SignatureCheck.Fail(WebhookReasons.WebhookIdMissing, $"No {IdHeader} header.");
            }

            string? timestampText = headers[TimestampHeader] ?? headers[SvixTimestampHeader];
            if (timestampText is null)
            {
                return SignatureCheck.Fail(WebhookReasons.TimestampMissing, $"No {TimestampHeader} header.", id);
            }

            if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > 253402300799L)
            {
                return SignatureCheck.Fail(WebhookReasons.TimestampInvalid, $"{TimestampHeader} is not whole Unix seconds.", id);
            }

            string? signatures = headers[SignatureHeader] ?? headers[SvixSignatureHeader];
            if (signatures is null)
            {
                return SignatureCheck.Fail(WebhookReasons.SignatureMissing, $"No {SignatureHeader} header.", id);
            }

            // Signed exactly as received: the timestamp text, not a re-formatted number.
            byte[] expected = Mac(secret, id, timestampText, body);
            bool anyV1 = false;
            bool matched = false;
            foreach (Match entry in SignatureEntry.Matches(signatures))
            {
                // Other versions (v1a: asymmetric signatures) are not HMAC; skip them rather than fail on them.
                if (entry.Groups["version"].Value != "v1")
                {
                    continue;
                }

                byte[]? presented = OpenMessagingSignature.DecodeBase64(entry.Groups["signature"].Value);
                if (presented is null)
                {
                    continue;
                }

                anyV1 = true;
                // Every entry is compared, even after a match, so the time taken does not say which one matched.
                matched |= ConstantTime.AreEqual(expected, presented);
            }

            DateTimeOffset timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (!matched)
            {
                return SignatureCheck.Fail(
                    WebhookReasons.SignatureMismatch,
                    anyV1 ? $"No {SignatureHeader} entry matches the body." : $"{SignatureHeader} has no 'v1,<base64>' entry.",
                    id);
            }

            // Checked after the signature, so a stale timestamp is reported only for authentic requests (a replay or a
            // wrong clock, worth telling apart from a forgery in the log); both answer 401 either way.
            TimeSpan skew = now - timestamp;
            if (skew.Duration() > tolerance)
            {
                return SignatureCheck.Fail(
                    WebhookReasons.TimestampStale,
                    string.Format(CultureInfo.InvariantCulture, "{0} is {1:0} s {2} now; the tolerance is {3:0} s.", TimestampHeader, skew.Duration().TotalSeconds, skew > TimeSpan.Zero ? "before" : "after", tolerance.TotalSeconds),
                    id,
                    timestamp);
            }

            return SignatureCheck.Valid(id, timestamp);
        }

        private static byte[] Mac(WebhookSecret secret, string id, string timestamp, byte[] body)
        {
            byte[] prefix = Encoding.UTF8.GetBytes(id + "." + timestamp + ".");
            return secret.ComputeHmac(new ArraySegment<byte>(prefix), new ArraySegment<byte>(body));
        }
    }
}
