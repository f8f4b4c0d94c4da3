using System;
using System.Net;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GenesysFileTransfer.Engine.Http
{
    /// <summary>
    /// The process-wide HTTP client factory. It holds no user state (no tokens, no base addresses): sharing it
    /// across sessions shares only the connection pool, which is what prevents socket exhaustion across thousands
    /// of files and cmdlet calls.
    /// </summary>
    internal static class HttpClients
    {
        public const string Api = "GenesysApi";
        public const string Upload = "PresignedUpload";

        private static readonly Lazy<IHttpClientFactory> Factory = new Lazy<IHttpClientFactory>(Create);

        public static HttpClient CreateApiClient() => Configure(Factory.Value.CreateClient(Api));

        /// <summary>
        /// The upload client has no default headers at all: the presigned URL is the credential, and the Genesys
        /// bearer token must never reach the storage host.
        /// </summary>
        public static HttpClient CreateUploadClient() => Configure(Factory.Value.CreateClient(Upload));

        private static HttpClient Configure(HttpClient client)
        {
            // Timeouts are per attempt in the resilience pipeline, where they can be retried.
            client.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            return client;
        }

        private static IHttpClientFactory Create()
        {
            var services = new ServiceCollection();
            services.AddHttpClient(Api).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                AllowAutoRedirect = false,
            });
            services.AddHttpClient(Upload).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler
            {
                // A redirect would resend the body to a host the presigned URL did not name.
                AllowAutoRedirect = false,
            });
            return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        }
    }
}
