using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// Removes credentials from text that leaves the engine (audit records, verbose output, exception messages).
    /// Presigned URLs are bearer credentials: their query string carries the signature, so only scheme, host and
    /// path survive.
    /// </summary>
    public static class Redaction
    {
        public const string Mask = "***";

        private static readonly Regex UrlWithQuery = new Regex(
            @"(?<base>https?://[^\s?#""'<>]+)\?[^\s#""'<>]*",
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly Regex BearerOrBasic = new Regex(
            @"\b(?<scheme>bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*",
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly Regex SignatureParameter = new Regex(
            @"(?<name>X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|sig)=[^&\s""'<>]+",
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The URL without query string and fragment, safe to log.</summary>
        public static string? StripQuery(Uri? uri)
        {
            if (uri is null)
            {
                return null;
            }

            if (!uri.IsAbsoluteUri)
            {
                string text = uri.OriginalString;
                int cut = text.IndexOfAny(new[] { '?', '#' });
                return cut < 0 ? text : text.Substring(0, cut);
            }

            return uri.GetLeftPart(UriPartial.Path);
        }

        /// <summary>
        /// Scrubs free text: URL query strings, Authorization header values, signature parameters and any of the
        /// given secret values (the client secret, the current access token).
        /// </summary>
        public static string Scrub(string? text, IEnumerable<string?>? secrets = null)
        {
            if (string.IsNullOrEmpty(text))
            {
                return text ?? string.Empty;
            }

            string result = text!;
            if (secrets != null)
            {
                foreach (string? secret in secrets)
                {
                    // Very short values would mask ordinary words; real secrets and tokens are long.
                    if (!string.IsNullOrEmpty(secret) && secret!.Length >= 8)
                    {
                        result = result.Replace(secret, Mask);
                    }
                }
            }

            result = UrlWithQuery.Replace(result, m => m.Groups["base"].Value + "?" + Mask);
            result = SignatureParameter.Replace(result, m => m.Groups["name"].Value + "=" + Mask);
            result = BearerOrBasic.Replace(result, m => m.Groups["scheme"].Value + " " + Mask);
            return result;
        }
    }
}
