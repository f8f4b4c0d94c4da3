using System;

namespace GenesysFileTransfer.Engine.Connection
{
    /// <summary>Where the API and the OAuth login service live: a region, or a custom base URL (gateway, emulator).</summary>
    public sealed class GenesysEnvironment
    {
        private GenesysEnvironment(Uri apiBaseUri, Uri loginBaseUri, string? region)
        {
            ApiBaseUri = apiBaseUri;
            LoginBaseUri = loginBaseUri;
            Region = region;
        }

        public Uri ApiBaseUri { get; }
        public Uri LoginBaseUri { get; }
        public string? Region { get; }

        public static GenesysEnvironment FromRegion(string region)
        {
            if (!GenesysRegion.TryGetDomain(region, out string domain))
            {
                throw new ArgumentException(
                    $"'{region}' is not a Genesys Cloud region. Use one of: {string.Join(", ", GenesysRegion.Names)}, or pass a base URL.",
                    nameof(region));
            }

            return new GenesysEnvironment(new Uri("https://api." + domain + "/"), new Uri("https://login." + domain + "/"), region.Trim().Replace('-', '_').ToLowerInvariant());
        }

        /// <summary>
        /// A custom base URL. When its host starts with "api." the login host is derived the way the official SDK
        /// does (api. → login.); otherwise both services are assumed behind the same base (an API gateway or the
        /// local emulator).
        /// </summary>
        public static GenesysEnvironment FromBaseUri(Uri baseUri)
        {
            if (baseUri is null)
            {
                throw new ArgumentNullException(nameof(baseUri));
            }

            if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException($"The base URL '{baseUri}' must be an absolute http or https URL.", nameof(baseUri));
            }

            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback)
            {
                // Client secrets and tokens must never cross a network in clear text; loopback is the emulator.
                throw new ArgumentException($"The base URL '{baseUri.GetLeftPart(UriPartial.Authority)}' uses plain http; only loopback addresses may.", nameof(baseUri));
            }

            var api = new UriBuilder(baseUri) { Query = string.Empty, Fragment = string.Empty };
            if (!api.Path.EndsWith("/", StringComparison.Ordinal))
            {
                api.Path += "/";
            }

            var login = new UriBuilder(api.Uri);
            if (login.Host.StartsWith("api.", StringComparison.OrdinalIgnoreCase))
            {
                login.Host = "login." + login.Host.Substring(4);
            }

            return new GenesysEnvironment(api.Uri, login.Uri, null);
        }

        public override string ToString() => Region ?? ApiBaseUri.GetLeftPart(UriPartial.Authority);
    }
}
