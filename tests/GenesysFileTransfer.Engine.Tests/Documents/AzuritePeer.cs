using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage;
using Azure.Storage.Blobs;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// Azurite, Microsoft's Azure Storage emulator (npm, pinned in tests/peers), its blob service on 127.0.0.1 at a port
/// the OS picks, with its own temporary data folder; stopped and its folder deleted on dispose, whatever the tests did.
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> take it down and bring it back on the same port with the same
/// data, as an outage would. Not installed is a failure that says how to install it, never a skip.
/// </summary>
public sealed partial class AzuritePeer : IAsyncLifetime
{
    /// <summary>Azurite's built-in development account; the name and key are published in Microsoft's documentation.</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string Install = "Install the test peers with 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers' (Node.js from 'apt-get install nodejs npm', then 'npm ci' in tests/peers).";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private int _port;

    /// <summary>The blob service endpoint, path-style: <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri ServiceUri { get; private set; } = null!;

    public string DataDirectory { get; private set; } = null!;

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={ServiceUri.AbsoluteUri.TrimEnd('/')};";

    public bool IsRunning => _process is { HasExited: false };

    public async Task InitializeAsync()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "gft-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts Azurite: on a port the OS picks the first time, on the same port (and data) after <see cref="StopAsync"/>.</summary>
    public async Task StartAsync()
    {
        string peers = Path.Combine(RepositoryRoot(), "tests", "peers");
        string script = Path.Combine(peers, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The Azurite test peer is not installed: '{script}' is missing. {Install}");
        }

        string node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node")
            ?? throw new InvalidOperationException($"Node.js ('node') is not on PATH, so the Azurite test peer cannot run. {Install}");
        var start = new ProcessStartInfo(node)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = peers,
        };

        // --loose: accept headers Azurite does not implement; --skipApiVersionCheck: the SDK speaks a newer service
        // version than Azurite knows; --disableTelemetry: Azurite reports usage to Microsoft unless told not to.
        foreach (string argument in new[]
        {
            script, "--blobHost", "127.0.0.1", "--blobPort", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", DataDirectory, "--silent", "--loose", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
            Match match = ListeningLine().Match(e.Data);
            if (match.Success) listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Azurite exited before it listened:{Environment.NewLine}{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        try
        {
            _port = await listening.Task.WaitAsync(StartTimeout);
            ServiceUri = new Uri($"http://127.0.0.1:{_port}/{AccountName}");
        }
        catch (TimeoutException)
        {
            await StopAsync();
            throw new InvalidOperationException($"Azurite did not report listening within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Output}");
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Stops Azurite (its data stays); nothing listens on the port until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            // Azurite writes its blob index to disk when it closes: an interrupt lets it, as a service stop would;
            // a kill would lose the containers it had not saved yet.
            if (!_process.HasExited && !OperatingSystem.IsWindows())
            {
                using Process? interrupt = Process.Start("kill", new[] { "-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                interrupt?.WaitForExit();
                await Task.WhenAny(_process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(10)));
            }

            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _process = null;

        // The port is free once nothing answers on it any more.
        for (int i = 0; i < 50 && _port != 0; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", _port);
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                break;
            }
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (DataDirectory != null && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>A client of the development account with its shared key, for preparing and reading back blobs.</summary>
    public BlobServiceClient Client() => new(ServiceUri, new StorageSharedKeyCredential(AccountName, AccountKey));

    public async Task<string> CreateContainerAsync()
    {
        string container = "c" + Guid.NewGuid().ToString("N")[..20];
        await Client().GetBlobContainerClient(container).CreateAsync();
        return container;
    }

    /// <summary>The sink as Sync-GcFileTransferDocument builds it with the development account's key.</summary>
    public AzureBlobDocumentSink Sink(string container, int maxRetries = 0) => new(new AzureBlobDocumentSinkOptions
    {
        ServiceUri = ServiceUri,
        DefaultContainer = container,
        AccountKey = ClientCredentials.ToSecureString(AccountKey),
        MaxRetries = maxRetries,
        NetworkTimeout = TimeSpan.FromSeconds(10),
    });

    [GeneratedRegex(@"listens on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "GenesysFileTransfer.slnx"))) return folder.FullName;
        }

        throw new InvalidOperationException($"No GenesysFileTransfer.slnx above '{AppContext.BaseDirectory}': the tests must run from the repository.");
    }

    private static string? FindOnPath(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }
}
