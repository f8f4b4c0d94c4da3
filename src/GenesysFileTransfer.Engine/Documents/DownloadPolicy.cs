using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// Which URLs the archiver may download a document from. A callback names the URL, and a signed callback is no proof
    /// that the URL is Genesys': so only hosts on the allow-list (the region's Genesys domain by default, plus what the
    /// user adds) are fetched, over https, never at a loopback, link-local, private or otherwise internal address unless
    /// the allow-list names that address (or <c>localhost</c>) itself, and every redirect is checked the same way.
    /// </summary>
    public sealed class DownloadPolicy
    {
        private readonly List<string> _hosts = new List<string>();

        /// <summary>Allow-list entries: <c>host.example.com</c> (that host), <c>*.example.com</c> (its subdomains and itself), or an IP literal / <c>localhost</c> (which also allows that internal address).</summary>
        public IReadOnlyList<string> AllowedHosts => _hosts;

        /// <summary>How many redirects one download follows, each checked like the first URL.</summary>
        public int MaxRedirects { get; set; } = 5;

        /// <summary>Resolves host names; replaceable in tests.</summary>
        internal Func<string, Task<IPAddress[]>> Resolve { get; set; } = host => Dns.GetHostAddressesAsync(host);

        public static DownloadPolicy Allow(params string[] hosts)
        {
            var policy = new DownloadPolicy();
            policy.Add(hosts);
            return policy;
        }

        /// <summary>The default for a connection: the Genesys domain of its region (e.g. <c>*.mypurecloud.de</c>), or the host of its base URL when that is not loopback; plus <paramref name="extra"/>.</summary>
        public static DownloadPolicy ForGenesys(Connection.GenesysEnvironment? environment, IEnumerable<string>? extra)
        {
            var policy = new DownloadPolicy();
            if (environment != null)
            {
                string host = environment.ApiBaseUri.Host;
                if (environment.Region != null && host.StartsWith("api.", StringComparison.OrdinalIgnoreCase))
                {
                    policy.Add("*." + host.Substring(4));
                }
                else if (!environment.ApiBaseUri.IsLoopback)
                {
                    policy.Add(host);
                }
            }

            if (extra != null)
            {
                policy.Add(extra.ToArray());
            }

            return policy;
        }

        public void Add(params string[] hosts)
        {
            foreach (string raw in hosts ?? Array.Empty<string>())
            {
                string entry = (raw ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
                if (entry.Length == 0 || entry.Contains("/") || entry.Contains(":") && !IPAddress.TryParse(entry.Trim('[', ']'), out _))
                {
                    throw new ArgumentException($"'{raw}' is not a download host; give a host name such as files.example.com, *.example.com, or an IP address.");
                }

                if (!_hosts.Contains(entry))
                {
                    _hosts.Add(entry.Trim('[', ']'));
                }
            }
        }

        /// <summary>Throws <see cref="DocumentSourceException"/> (DocumentSourceRefused) when <paramref name="url"/> may not be fetched.</summary>
        internal async Task CheckAsync(Uri url, string documentKey, CancellationToken cancellationToken)
        {
            string host = url.IdnHost.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
            string safe = url.Scheme + "://" + url.Host + (url.IsDefaultPort ? string.Empty : ":" + url.Port) + url.AbsolutePath;
            bool explicitInternal = _hosts.Contains(host) && (host == "localhost" || IPAddress.TryParse(host, out _));
            if (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && explicitInternal && url.IsLoopback))
            {
                throw Refused(documentKey, safe, "only https is fetched (plain http only from a loopback host on the allow-list)");
            }

            if (!IsAllowedHost(host))
            {
                throw Refused(documentKey, safe, "the host is not on the download allow-list (the region's Genesys domain and -AllowedDownloadHost)");
            }

            IPAddress[] addresses;
            if (IPAddress.TryParse(host, out IPAddress? literal))
            {
                addresses = new[] { literal };
            }
            else
            {
                try
                {
                    addresses = await Resolve(host).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    throw new DocumentSourceException("DocumentSourceUnavailable", $"Document '{documentKey}': the host of {safe} does not resolve.", isTransient: true);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (addresses.Length == 0)
            {
                throw new DocumentSourceException("DocumentSourceUnavailable", $"Document '{documentKey}': the host of {safe} does not resolve.", isTransient: true);
            }

            if (!explicitInternal && addresses.Any(IsInternal))
            {
                throw Refused(documentKey, safe, "the host resolves to a loopback, link-local or private address, which is never fetched unless the allow-list names that address");
            }
        }

        internal bool IsAllowedHost(string host)
        {
            foreach (string entry in _hosts)
            {
                if (entry.StartsWith("*.", StringComparison.Ordinal))
                {
                    string domain = entry.Substring(2);
                    if (host == domain || host.EndsWith("." + domain, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
                else if (host == entry)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Loopback, link-local (169.254/16, fe80::/10, cloud metadata), private (10/8, 172.16/12, 192.168/16, fc00::/7), CGNAT, unspecified, multicast.</summary>
        public static bool IsInternal(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            {
                return true;
            }

            byte[] b = address.GetAddressBytes();
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                return b[0] == 0 || b[0] == 10 || b[0] == 127
                    || (b[0] == 169 && b[1] == 254)
                    || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                    || (b[0] == 192 && b[1] == 168)
                    || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                    || b[0] >= 224;
            }

            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (b[0] & 0xfe) == 0xfc;
        }

        private static DocumentSourceException Refused(string documentKey, string safeUrl, string why) =>
            new DocumentSourceException("DocumentSourceRefused", $"Document '{documentKey}': {safeUrl} was not fetched: {why}.", isTransient: false);
    }
}
