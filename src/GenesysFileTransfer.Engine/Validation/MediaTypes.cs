using System;
using System.Globalization;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>Parsing of "type/subtype; parameters" strings, shared by the policy and the sniffer.</summary>
    internal static class MediaTypes
    {
        private const string TokenSymbols = "!#$%&'*+-.^_`|~";

        /// <summary>"Text/Plain; charset=utf-8" becomes "text/plain"; null or blank becomes null.</summary>
        public static string? Essence(string? contentType)
        {
            if (contentType is null)
            {
                return null;
            }

            int semicolon = contentType.IndexOf(';');
            string essence = (semicolon < 0 ? contentType : contentType.Substring(0, semicolon)).Trim();
            return essence.Length == 0 ? null : essence.ToLowerInvariant();
        }

        /// <summary>A concrete type such as "image/png": no wildcards.</summary>
        public static bool IsConcrete(string essence) =>
            TrySplit(essence, out string type, out string subtype) && type != "*" && subtype != "*";

        /// <summary>A concrete type, "type/*" or "*/*".</summary>
        public static bool IsRange(string essence)
        {
            if (!TrySplit(essence, out string type, out string subtype))
            {
                return false;
            }

            // "*/png" names nothing sensible.
            return type != "*" || subtype == "*";
        }

        public static bool RangeMatches(string range, string concrete)
        {
            if (range == "*/*")
            {
                return true;
            }

            if (range.EndsWith("/*", StringComparison.Ordinal))
            {
                return concrete.StartsWith(range.Substring(0, range.Length - 1), StringComparison.Ordinal);
            }

            return string.Equals(range, concrete, StringComparison.Ordinal);
        }

        public static bool IsText(string essence) => essence.StartsWith("text/", StringComparison.Ordinal);

        public static string FormatMegabytes(long bytes) =>
            (bytes / (1024.0 * 1024.0)).ToString("0.##", CultureInfo.InvariantCulture) + " MB";

        public static string FormatBytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

        private static bool TrySplit(string essence, out string type, out string subtype)
        {
            type = subtype = string.Empty;
            int slash = essence.IndexOf('/');
            if (slash <= 0 || slash != essence.LastIndexOf('/') || slash == essence.Length - 1)
            {
                return false;
            }

            type = essence.Substring(0, slash);
            subtype = essence.Substring(slash + 1);
            return IsToken(type) && IsToken(subtype);
        }

        private static bool IsToken(string value)
        {
            foreach (char c in value)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || TokenSymbols.IndexOf(c) >= 0;
                if (!ok)
                {
                    return false;
                }
            }

            return value.Length > 0;
        }
    }
}
