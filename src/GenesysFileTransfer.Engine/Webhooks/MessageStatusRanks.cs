using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// The order of Open Messaging receipt statuses. The journal keeps a message's status only when the new rank is
    /// higher, so receipts arriving late or twice (Genesys retries, and deliveries are not ordered) never move a
    /// message back from Read to Delivered.
    /// </summary>
    public static class MessageStatusRanks
    {
        private static readonly Dictionary<string, int> Ranks = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
        {
            // Published is the public-post counterpart of Sent.
            ["Sent"] = 1,
            ["Published"] = 1,
            ["Delivered"] = 2,
            ["Read"] = 3,
            // Final states: a failed message is never delivered afterwards, and a removed one is gone whatever came before.
            ["Failed"] = 4,
            ["Removed"] = 5,
        };

        private static readonly Dictionary<string, string> Canonical = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Sent"] = "Sent",
            ["Published"] = "Published",
            ["Delivered"] = "Delivered",
            ["Read"] = "Read",
            ["Failed"] = "Failed",
            ["Removed"] = "Removed",
        };

        public static IEnumerable<string> Statuses => Canonical.Values;

        /// <summary>The rank of a known status, case-insensitively; false for a status this module does not know.</summary>
        public static bool TryGetRank(string status, out int rank) => Ranks.TryGetValue(status ?? string.Empty, out rank);

        /// <summary>The status spelt as Genesys spells it, or the value as given when unknown.</summary>
        public static string Normalize(string status) =>
            Canonical.TryGetValue(status ?? string.Empty, out string? canonical) ? canonical : status ?? string.Empty;
    }
}
