using System;
using System.Collections.Generic;
using System.Linq;

namespace GenesysFileTransfer.Engine.Connection
{
    /// <summary>The Genesys Cloud regions and their domains (api.{domain} for REST, login.{domain} for OAuth).</summary>
    public static class GenesysRegion
    {
        private static readonly IReadOnlyDictionary<string, string> Domains = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["us_east_1"] = "mypurecloud.com",
            ["eu_west_1"] = "mypurecloud.ie",
            ["eu_central_1"] = "mypurecloud.de",
            ["ap_northeast_1"] = "mypurecloud.jp",
            ["ap_southeast_2"] = "mypurecloud.com.au",
            ["us_west_2"] = "usw2.pure.cloud",
            ["ca_central_1"] = "cac1.pure.cloud",
            ["ap_northeast_2"] = "apne2.pure.cloud",
            ["eu_west_2"] = "euw2.pure.cloud",
            ["ap_south_1"] = "aps1.pure.cloud",
            ["us_east_2"] = "use2.us-gov-pure.cloud",
            ["sa_east_1"] = "sae1.pure.cloud",
            ["me_central_1"] = "mec1.pure.cloud",
            ["ap_northeast_3"] = "apne3.pure.cloud",
            ["eu_central_2"] = "euc2.pure.cloud",
            ["mx_central_1"] = "mxc1.pure.cloud",
            ["ap_southeast_1"] = "apse1.pure.cloud",
            ["eusc_de_east_1"] = "edee1.eusc-pure.cloud",
        };

        /// <summary>Region keys in the SDKs' spelling, for tab completion and error messages.</summary>
        public static IReadOnlyList<string> Names { get; } = Domains.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

        /// <summary>
        /// Resolves a region key (us_east_1, also us-east-1) or a bare domain (mypurecloud.ie) to its domain.
        /// </summary>
        public static bool TryGetDomain(string? region, out string domain)
        {
            domain = string.Empty;
            if (string.IsNullOrWhiteSpace(region))
            {
                return false;
            }

            string key = region!.Trim().Replace('-', '_');
            if (Domains.TryGetValue(key, out string? found))
            {
                domain = found;
                return true;
            }

            string bare = region.Trim().TrimEnd('.');
            if (Domains.Values.Contains(bare, StringComparer.OrdinalIgnoreCase))
            {
                domain = bare.ToLowerInvariant();
                return true;
            }

            return false;
        }
    }
}
