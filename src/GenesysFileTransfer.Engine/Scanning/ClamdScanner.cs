using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Scanning
{
    /// <summary>Where clamd listens: a TCP host and port, or a Unix socket path.</summary>
    public sealed class ClamdEndpoint
    {
        private ClamdEndpoint(string? host, int port, string? socketPath)
        {
            Host = host;
            Port = port;
            SocketPath = socketPath;
        }

        public string? Host { get; }
        public int Port { get; }
        public string? SocketPath { get; }

        public static ClamdEndpoint Tcp(string host, int port) => new ClamdEndpoint(host, port, null);

        public static ClamdEndpoint Unix(string path) => new ClamdEndpoint(null, 0, path);

        /// <summary>Parses <c>tcp://host:port</c> (port 3310 when left out) or <c>unix:///path/to/clamd.ctl</c>.</summary>
        public static ClamdEndpoint Parse(string address)
        {
            string text = (address ?? string.Empty).Trim();
            if (text.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
            {
                string path = text.Substring("unix://".Length);
                if (path.Length == 0 || path[0] != '/')
                {
                    throw new ArgumentException($"'{address}' is not a Unix socket address; write unix:///absolute/path/to/clamd.ctl.", nameof(address));
                }

                return Unix(path);
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || !string.Equals(uri.Scheme, "tcp", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(uri.Host)
                || (uri.AbsolutePath.Length > 1) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ArgumentException($"'{address}' is not a malware scanner address; write tcp://host:3310, unix:///path/to/clamd.ctl or defender.", nameof(address));
            }

            return Tcp(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 3310 : uri.Port);
        }

        public override string ToString() => SocketPath != null ? "unix://" + SocketPath : "tcp://" + Host + ":" + Port.ToString(CultureInfo.InvariantCulture);
    }

    public sealed class ClamdOptions
    {
        /// <summary>How long to wait for the connection to clamd.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>How long one read or write may wait for clamd (it sends nothing while it scans the last chunk).</summary>
        public TimeSpan IoTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Bytes per INSTREAM chunk; the only buffer the scan holds, whatever the file's size.</summary>
        public int ChunkSize { get; set; } = 64 * 1024;
    }

    /// <summary>
    /// A client of ClamAV's daemon (clamd) over its INSTREAM command: the bytes go in chunks of
    /// <see cref="ClamdOptions.ChunkSize"/> (4-byte big-endian length, then the data; a zero length ends the stream)
    /// through one rented buffer, so memory stays constant whatever the size of the file. The answer is
    /// <c>stream: OK</c>, <c>stream: &lt;signature&gt; FOUND</c>, or an error such as
    /// <c>INSTREAM size limit exceeded. ERROR</c> (clamd's StreamMaxLength), which is reported, never taken as clean.
    /// </summary>
    public sealed class ClamdScanner : IMalwareScanner
    {
        private static readonly byte[] InStream = Encoding.ASCII.GetBytes("zINSTREAM\0");
        private readonly ClamdEndpoint _endpoint;
        private readonly ClamdOptions _options;

        public ClamdScanner(ClamdEndpoint endpoint, ClamdOptions? options = null)
        {
            _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
            _options = options ?? new ClamdOptions();
            if (_options.ChunkSize < 1024 || _options.ChunkSize > 16 * 1024 * 1024)
            {
                throw new ArgumentException("The INSTREAM chunk size must be between 1 KiB and 16 MiB.", nameof(options));
            }
        }

        public string Description => "clamd " + _endpoint;

        public ClamdEndpoint Endpoint => _endpoint;

        /// <summary>Asks clamd for its version (e.g. <c>ClamAV 1.4.6/…</c>); throws <see cref="MalwareScannerUnavailableException"/> when it does not answer.</summary>
        public Task<string> GetVersionAsync(CancellationToken cancellationToken) => CommandAsync("zVERSION\0", cancellationToken);

        /// <summary>True when clamd answers PING with PONG.</summary>
        public async Task<bool> PingAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await CommandAsync("zPING\0", cancellationToken).ConfigureAwait(false) == "PONG";
            }
            catch (MalwareScannerUnavailableException)
            {
                return false;
            }
        }

        public async Task<ScanVerdict> ScanFileAsync(string path, CancellationToken cancellationToken)
        {
            using FileStream file = ScanFiles.Open(path);
            return await ScanAsync(file, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Streams <paramref name="content"/> to clamd and returns its verdict.</summary>
        public async Task<ScanVerdict> ScanAsync(Stream content, CancellationToken cancellationToken)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            var watch = Stopwatch.StartNew();
            long total = 0;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.ChunkSize + 4);
            try
            {
                using Socket socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                using var stream = new NetworkStream(socket, ownsSocket: false);
                bool stoppedEarly = false;
                try
                {
                    await WriteAsync(socket, stream, InStream, InStream.Length, cancellationToken).ConfigureAwait(false);
                    while (true)
                    {
                        int read = await ReadChunkAsync(content, buffer, 4, _options.ChunkSize, cancellationToken).ConfigureAwait(false);
                        WriteLength(buffer, read);
                        await WriteAsync(socket, stream, buffer, read + 4, cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        total += read;
                        if (socket.Available > 0)
                        {
                            // clamd answers before the end only to refuse (the size limit): stop sending and read why.
                            stoppedEarly = true;
                            break;
                        }
                    }
                }
                catch (IOException) when (!cancellationToken.IsCancellationRequested)
                {
                    // clamd closes its end when it refuses the stream; its answer may already be waiting.
                    stoppedEarly = true;
                }
                catch (SocketException) when (!cancellationToken.IsCancellationRequested)
                {
                    stoppedEarly = true;
                }

                string answer;
                try
                {
                    answer = await ReadReplyAsync(socket, stream, cancellationToken).ConfigureAwait(false);
                }
                catch (MalwareScannerUnavailableException) when (stoppedEarly)
                {
                    throw new MalwareScannerUnavailableException($"{Description} closed the connection after {total} bytes without an answer; the file was not scanned.");
                }

                return Interpret(answer, total, watch.Elapsed);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private ScanVerdict Interpret(string answer, long total, TimeSpan elapsed)
        {
            // "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR", "... ERROR".
            string body = answer.StartsWith("stream: ", StringComparison.Ordinal) ? answer.Substring("stream: ".Length) : answer;
            if (body == "OK")
            {
                return new ScanVerdict(false, null, Description, total, elapsed);
            }

            if (body.EndsWith(" FOUND", StringComparison.Ordinal))
            {
                string signature = body.Substring(0, body.Length - " FOUND".Length).Trim();
                return new ScanVerdict(true, signature.Length == 0 ? "unknown" : signature, Description, total, elapsed);
            }

            if (answer.IndexOf("size limit", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                throw new MalwareScanFailedException(
                    "FileTooLargeToScan",
                    $"{Description} refused to scan more than {total} bytes (its StreamMaxLength); the file was not scanned. Raise StreamMaxLength in clamd.conf or send a smaller file.");
            }

            throw new MalwareScanFailedException("MalwareScanFailed", $"{Description} answered without a verdict: {Limit(answer)}");
        }

        private static string Limit(string text) => text.Length > 200 ? text.Substring(0, 200) + "…" : text;

        private static void WriteLength(byte[] buffer, int length)
        {
            buffer[0] = (byte)(length >> 24);
            buffer[1] = (byte)(length >> 16);
            buffer[2] = (byte)(length >> 8);
            buffer[3] = (byte)length;
        }

        private static async Task<int> ReadChunkAsync(Stream content, byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < count)
            {
                int read = await content.ReadAsync(buffer, offset + filled, count - filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return filled;
        }

        private async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
        {
            using Socket socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            byte[] bytes = Encoding.ASCII.GetBytes(command);
            try
            {
                await WriteAsync(socket, stream, bytes, bytes.Length, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException)
            {
                throw new MalwareScannerUnavailableException($"{Description} closed the connection: {ex.GetType().Name}.");
            }

            return await ReadReplyAsync(socket, stream, cancellationToken).ConfigureAwait(false);
        }

        private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
        {
            Socket socket;
            EndPoint target;
            if (_endpoint.SocketPath != null)
            {
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                target = UnixEndPoint(_endpoint.SocketPath);
            }
            else
            {
                IPAddress[] addresses;
                try
                {
                    addresses = IPAddress.TryParse(_endpoint.Host, out IPAddress? literal)
                        ? new[] { literal }
                        : await Dns.GetHostAddressesAsync(_endpoint.Host).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    throw new MalwareScannerUnavailableException($"{Description}: the host name does not resolve; check -MalwareScanner.");
                }

                if (addresses.Length == 0)
                {
                    throw new MalwareScannerUnavailableException($"{Description}: the host name does not resolve; check -MalwareScanner.");
                }

                target = new IPEndPoint(addresses[0], _endpoint.Port);
                socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }

            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.ConnectTimeout);
                using (timeout.Token.Register(() => socket.Dispose()))
                {
                    try
                    {
                        await Task.Factory.FromAsync(socket.BeginConnect, socket.EndConnect, target, null).ConfigureAwait(false);
                        return socket;
                    }
                    catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException || ex is IOException)
                    {
                        socket.Dispose();
                        cancellationToken.ThrowIfCancellationRequested();
                        string why = timeout.IsCancellationRequested ? "did not accept a connection within " + _options.ConnectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s"
                            : "refused the connection (" + ((ex as SocketException)?.SocketErrorCode.ToString() ?? ex.GetType().Name) + ")";
                        throw new MalwareScannerUnavailableException($"{Description} {why}; is clamd running there? Nothing was scanned.");
                    }
                }
            }
        }

        private static EndPoint UnixEndPoint(string path)
        {
            // netstandard2.0 has no UnixDomainSocketEndPoint type, but every runtime the module supports on Unix does.
            Type? type = Type.GetType("System.Net.Sockets.UnixDomainSocketEndPoint, System.Net.Sockets")
                ?? typeof(Socket).Assembly.GetType("System.Net.Sockets.UnixDomainSocketEndPoint");
            if (type is null)
            {
                throw new MalwareScannerUnavailableException("This runtime cannot open Unix sockets; use tcp://host:3310.");
            }

            return (EndPoint)Activator.CreateInstance(type, path)!;
        }

        private async Task WriteAsync(Socket socket, NetworkStream stream, byte[] bytes, int count, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.IoTimeout);
            using (timeout.Token.Register(() => socket.Dispose()))
            {
                try
                {
                    await stream.WriteAsync(bytes, 0, count, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && (ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is SocketException))
                {
                    throw new MalwareScannerUnavailableException($"{Description} did not take the file's bytes within {_options.IoTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; nothing was scanned.");
                }
                catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
        }

        private async Task<string> ReadReplyAsync(Socket socket, NetworkStream stream, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.IoTimeout);
            var reply = new MemoryStream();
            byte[] one = new byte[256];
            using (timeout.Token.Register(() => socket.Dispose()))
            {
                try
                {
                    while (reply.Length < 4096)
                    {
                        int read = await stream.ReadAsync(one, 0, one.Length, timeout.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        int end = Array.IndexOf(one, (byte)0, 0, read);
                        reply.Write(one, 0, end < 0 ? read : end);
                        if (end >= 0)
                        {
                            break;
                        }
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is IOException || ex is ObjectDisposedException || ex is OperationCanceledException || ex is SocketException))
                {
                    string why = timeout.IsCancellationRequested ? "gave no answer within " + _options.IoTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s" : "dropped the connection";
                    throw new MalwareScannerUnavailableException($"{Description} {why}; the file was not scanned.");
                }
                catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }

            string text = Encoding.UTF8.GetString(reply.ToArray()).Trim('\0', '\n', ' ');
            if (text.Length == 0)
            {
                throw new MalwareScannerUnavailableException($"{Description} closed the connection without an answer; the file was not scanned.");
            }

            return text;
        }
    }
}
