using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GenesysFileTransfer.Engine.Scanning;

namespace GenesysFileTransfer.Engine.Tests.Scanning;

/// <summary>
/// A real ClamAV daemon (Debian's clamav-daemon, installed by build.ps1's TestPeers task) started for the tests on
/// 127.0.0.1 at a free port and on a Unix socket, with a signature database the harness writes (the EICAR test
/// signature and one of the project's own; nothing is downloaded), and stopped on dispose. Not installed is a failure
/// that says how to install it, never a skip.
/// </summary>
public sealed class ClamdPeer : IAsyncLifetime
{
    /// <summary>The project's own test signature: these bytes anywhere in a file are reported as <see cref="MarkerSignature"/>.</summary>
    public const string Marker = "GFT-MALWARE-TEST-MARKER-7f3a91";
    public const string MarkerSignature = "GenesysFileTransfer.Test.Marker";

    /// <summary>clamd's StreamMaxLength in this configuration: 30 MiB.</summary>
    public const long StreamMaxLength = 30L * 1024 * 1024;

    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>The EICAR anti-malware test string, assembled so the source file itself carries no signature.</summary>
    public static string Eicar => "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    public int Port { get; private set; }
    public string Folder { get; private set; } = null!;
    public string SocketPath { get; private set; } = null!;
    public string Address => "tcp://127.0.0.1:" + Port;

    public ClamdScanner Scanner(ClamdOptions? options = null) => new(ClamdEndpoint.Tcp("127.0.0.1", Port), options);

    public static string FindClamd()
    {
        foreach (string candidate in new[] { "/usr/sbin/clamd", "/usr/local/sbin/clamd", "/usr/bin/clamd" })
        {
            if (File.Exists(candidate)) return candidate;
        }

        string? fromPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "clamd")).FirstOrDefault(File.Exists);
        return fromPath ?? throw new InvalidOperationException(
            "clamd (ClamAV's daemon) is not installed, and the malware-scanning tests need a real one. Install it with " +
            "'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers' (as root on Debian: apt-get install clamav-daemon), " +
            "or 'sudo apt-get install -y clamav-daemon', then run the tests again.");
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task InitializeAsync()
    {
        string clamd = FindClamd();
        Folder = Path.Combine(Path.GetTempPath(), "gft-clamd-" + Guid.NewGuid().ToString("N")[..8]);
        string database = Path.Combine(Folder, "db");
        Directory.CreateDirectory(database);
        SocketPath = Path.Combine(Folder, "clamd.ctl");
        // Body signatures (.ndb: name, any target type, any offset, hex of the bytes), generated here: nothing is downloaded.
        await File.WriteAllTextAsync(Path.Combine(database, "genesysfiletransfer-test.ndb"),
            "Eicar-Test-Signature:0:*:" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Eicar)) + "\n" +
            MarkerSignature + ":0:*:" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Marker)) + "\n");
        Port = FreePort();
        string config = Path.Combine(Folder, "clamd.conf");
        await File.WriteAllTextAsync(config, string.Join("\n",
            "Foreground yes",
            "TCPSocket " + Port,
            "TCPAddr 127.0.0.1",
            "LocalSocket " + SocketPath,
            "DatabaseDirectory " + database,
            "PidFile " + Path.Combine(Folder, "clamd.pid"),
            "LogFile " + Path.Combine(Folder, "clamd.log"),
            "StreamMaxLength 30M",
            "MaxFileSize 100M",
            "MaxScanSize 200M",
            "MaxThreads 4",
            "") + "\n");
        var info = new ProcessStartInfo(clamd, "--config-file=" + config) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        _process = Process.Start(info) ?? throw new InvalidOperationException("clamd did not start.");
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        ClamdScanner scanner = Scanner(new ClamdOptions { ConnectTimeout = TimeSpan.FromSeconds(1), IoTimeout = TimeSpan.FromSeconds(5) });
        while (!await scanner.PingAsync(CancellationToken.None))
        {
            if (_process.HasExited || watch.Elapsed > TimeSpan.FromSeconds(90))
            {
                string log;
                lock (_output) log = _output.ToString();
                throw new InvalidOperationException($"clamd did not answer on 127.0.0.1:{Port} within {watch.Elapsed.TotalSeconds:0} s (exited: {_process.HasExited}). Its output:\n{log}");
            }

            await Task.Delay(200);
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10000);
        }

        _process?.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClamdCollection : ICollectionFixture<ClamdPeer>
{
    public const string Name = "clamd";
}

/// <summary>A stream of <paramref name="length"/> generated bytes that allocates nothing while it is read.</summary>
internal sealed class GeneratedStream : Stream
{
    private readonly long _length;
    private long _position;

    public GeneratedStream(long length) => _length = length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public long MaxRequested { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        MaxRequested = Math.Max(MaxRequested, count);
        int n = (int)Math.Min(count, _length - _position);
        for (int i = 0; i < n; i++) buffer[offset + i] = (byte)('a' + ((_position + i) % 23));
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
