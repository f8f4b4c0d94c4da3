using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// s3rver, an S3-compatible server written by others (npm, pinned in tests/peers), on 127.0.0.1 at a port the OS picks,
/// with its own temporary data folder; stopped and its folder deleted on dispose, whatever the tests did. Unlike the
/// emulator it does not decode aws-chunked bodies: what a client sends is what it stores. Not installed is a failure
/// that says how to install it, never a skip.
/// </summary>
public sealed partial class S3rverPeer : IAsyncLifetime
{
    /// <summary>s3rver's built-in account; it checks that the access key exists, not the SigV4 signature.</summary>
    public const string AccessKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Uri ServiceUrl { get; private set; } = null!;
    public string DataDirectory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string peers = Path.Combine(RepositoryRoot(), "tests", "peers");
        string script = Path.Combine(peers, "node_modules", "s3rver", "bin", "s3rver.js");
        const string install = "Install the test peers with 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers' (Node.js from 'apt-get install nodejs npm', then 'npm ci' in tests/peers).";
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The s3rver test peer is not installed: '{script}' is missing. {install}");
        }

        string node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node")
            ?? throw new InvalidOperationException($"Node.js ('node') is not on PATH, so the s3rver test peer cannot run. {install}");

        DataDirectory = Path.Combine(Path.GetTempPath(), "gft-s3rver-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        var start = new ProcessStartInfo(node)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = peers,
        };
        foreach (string argument in new[] { script, "-d", DataDirectory, "-a", "127.0.0.1", "-p", "0", "--silent", "--no-vhost-buckets" })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
            Match match = ListeningLine().Match(e.Data);
            if (match.Success) listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_output) _output.AppendLine(e.Data);
        };
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"s3rver exited before it listened:{Environment.NewLine}{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            int port = await listening.Task.WaitAsync(StartTimeout);
            ServiceUrl = new Uri($"http://127.0.0.1:{port}");
        }
        catch (TimeoutException)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"s3rver did not report listening within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Output}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process != null)
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
            _process = null;
        }

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

    /// <summary>A client with the SDK's defaults, as earlier versions of the sink used it (aws-chunked with a CRC trailer).</summary>
    public AmazonS3Client DefaultClient() => new(
        new BasicAWSCredentials(AccessKey, AccessKey),
        new AmazonS3Config { ServiceURL = ServiceUrl.AbsoluteUri.TrimEnd('/'), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    public async Task<string> CreateBucketAsync()
    {
        string bucket = "b" + Guid.NewGuid().ToString("N")[..20];
        using AmazonS3Client client = DefaultClient();
        await client.PutBucketAsync(bucket);
        return bucket;
    }

    public S3DocumentSink Sink(string bucket) => new(new S3DocumentSinkOptions
    {
        ServiceUrl = ServiceUrl,
        DefaultBucket = bucket,
        AccessKeyId = AccessKey,
        SecretAccessKey = Engine.Connection.ClientCredentials.ToSecureString(AccessKey),
        MaxErrorRetry = 0,
    });

    /// <summary>The file in which s3rver keeps an object's bytes (its filesystem store: <c>{bucket}/{key}._S3rver_object</c>).</summary>
    public string ObjectFile(string bucket, string key)
    {
        string[] parts = key.Split('/');
        parts[^1] += "._S3rver_object";
        return Path.Combine(new[] { DataDirectory, bucket }.Concat(parts).ToArray());
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
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
