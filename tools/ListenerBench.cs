// Used by tools/Bench.ps1 (the Listener measurement) through Add-Type: the bare reference receiver and the load
// generator. Test tooling only, never part of the module.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GftBench
{
    /// <summary>
    /// The least a receiver must do: read the body, verify its HMAC-SHA256 signature (constant time) and answer 200.
    /// No journal, no audit: what the module's listener adds is measured against this.
    /// </summary>
    public static class BareReceiver
    {
        public static void Run(string prefix, string secret, int concurrency)
        {
            byte[] key = Encoding.UTF8.GetBytes(secret);
            var listener = new HttpListener();
            listener.Prefixes.Add(prefix);
            listener.Start();
            byte[] ok = Encoding.UTF8.GetBytes("{\"status\":\"accepted\"}");
            byte[] refused = Encoding.UTF8.GetBytes("{\"error\":\"unauthorized\"}");
            var slots = new SemaphoreSlim(concurrency);
            while (true)
            {
                HttpListenerContext context = listener.GetContext();
                Task.Run(async () =>
                {
                    await slots.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        var buffer = new System.IO.MemoryStream();
                        await context.Request.InputStream.CopyToAsync(buffer).ConfigureAwait(false);
                        byte[] body = buffer.ToArray();
                        bool valid = false;
                        string header = context.Request.Headers["X-Hub-Signature-256"];
                        if (header != null && header.StartsWith("sha256=", StringComparison.Ordinal))
                        {
                            byte[] expected;
                            using (var hmac = new HMACSHA256(key)) { expected = hmac.ComputeHash(body); }
                            try { valid = CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(header.Substring(7))); }
                            catch (FormatException) { valid = false; }
                        }
                        byte[] answer = valid ? ok : refused;
                        context.Response.StatusCode = valid ? 200 : 401;
                        context.Response.ContentType = "application/json";
                        context.Response.ContentLength64 = answer.Length;
                        await context.Response.OutputStream.WriteAsync(answer, 0, answer.Length).ConfigureAwait(false);
                        context.Response.Close();
                    }
                    catch (Exception)
                    {
                        try { context.Response.Abort(); } catch (Exception) { }
                    }
                    finally
                    {
                        slots.Release();
                    }
                });
            }
        }
    }

    public sealed class LoadResult
    {
        public int Requests { get; set; }
        public int Failures { get; set; }
        public double Seconds { get; set; }
        public double PerSecond { get; set; }
        public double P50Ms { get; set; }
        public double P99Ms { get; set; }
        public double MaxMs { get; set; }
    }

    /// <summary>Sends signed Open Messaging callbacks, <c>concurrency</c> at a time, each a new event with one attachment.</summary>
    public static class CallbackLoad
    {
        private static readonly HttpClient Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

        public static LoadResult Run(string url, string secret, string runId, int requests, int concurrency)
        {
            byte[] key = Encoding.UTF8.GetBytes(secret);
            var bodies = new byte[requests][];
            var signatures = new string[requests];
            using (var hmac = new HMACSHA256(key))
            {
                for (int i = 0; i < requests; i++)
                {
                    string id = runId + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    string json = "{\"id\":\"" + id + "\",\"channel\":{\"id\":\"5c0ffee0-aaaa-4bbb-8ccc-0123456789ab\",\"platform\":\"Open\",\"type\":\"Private\",\"messageId\":\"" + id + "\"," +
                        "\"to\":{\"id\":\"customer-1\",\"idType\":\"Opaque\"},\"from\":{\"id\":\"5c0ffee0-aaaa-4bbb-8ccc-0123456789ab\",\"idType\":\"Opaque\",\"nickname\":\"Agent\"},\"time\":\"2026-11-24T12:00:00.000Z\"}," +
                        "\"type\":\"Text\",\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"media-" + id + "\",\"mediaType\":\"File\"," +
                        "\"url\":\"https://media.example.test/genesys-media/media-" + id + "/invoice.pdf?X-Amz-Signature=deadbeefcafe\",\"mime\":\"application/pdf\",\"filename\":\"invoice.pdf\"," +
                        "\"sha256\":\"" + new string('a', 64) + "\",\"contentSizeBytes\":2048}}],\"direction\":\"Outbound\",\"metadata\":{\"conversationId\":\"9c8b7a6d-1111-4222-8333-444455556666\"}}";
                    bodies[i] = Encoding.UTF8.GetBytes(json);
                    signatures[i] = "sha256=" + Convert.ToBase64String(hmac.ComputeHash(bodies[i]));
                }
            }

            var latencies = new double[requests];
            int next = -1;
            int failures = 0;
            var watch = Stopwatch.StartNew();
            var workers = new List<Task>();
            for (int w = 0; w < concurrency; w++)
            {
                workers.Add(Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < requests)
                    {
                        long started = Stopwatch.GetTimestamp();
                        try
                        {
                            using (var request = new HttpRequestMessage(HttpMethod.Post, url))
                            {
                                request.Content = new ByteArrayContent(bodies[i]);
                                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                                request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signatures[i]);
                                using (HttpResponseMessage response = await Client.SendAsync(request).ConfigureAwait(false))
                                {
                                    await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                                    if (response.StatusCode != HttpStatusCode.OK) { Interlocked.Increment(ref failures); }
                                }
                            }
                        }
                        catch (Exception)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        latencies[i] = (Stopwatch.GetTimestamp() - started) * 1000.0 / Stopwatch.Frequency;
                    }
                }));
            }

            Task.WaitAll(workers.ToArray());
            watch.Stop();
            Array.Sort(latencies);
            return new LoadResult
            {
                Requests = requests,
                Failures = failures,
                Seconds = watch.Elapsed.TotalSeconds,
                PerSecond = requests / watch.Elapsed.TotalSeconds,
                P50Ms = latencies[requests / 2],
                P99Ms = latencies[Math.Min(requests - 1, (int)Math.Ceiling(requests * 0.99) - 1)],
                MaxMs = latencies[requests - 1],
            };
        }
    }
}
