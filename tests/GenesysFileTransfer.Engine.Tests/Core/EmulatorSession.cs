using System.Net.Http.Json;
using System.Text;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>An emulator, a scratch folder and a connection to the emulator, torn down together.</summary>
internal sealed class EmulatorSession : IAsyncDisposable
{
    public static readonly TransferMetadata Metadata = new()
    {
        StorageBucketReference = "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        AccessPolicy = new AccessPolicy { RetentionDays = 30, EncryptionStandard = EncryptionStandards.Aes256, DownloadAllowed = true },
        // These sessions have no malware scanner; the scanner tests turn scanning on with their own clamd.
        VirusScanEnabled = false,
    };

    private readonly HttpClient _control = new();

    private EmulatorSession(EmulatorHost host, string folder)
    {
        Host = host;
        Folder = folder;
        AuditFolder = Path.Combine(folder, "audit");
    }

    public EmulatorHost Host { get; }
    public string Folder { get; }
    public string AuditFolder { get; }
    public GenesysConnection? Connection { get; private set; }

    public static async Task<EmulatorSession> StartAsync(EmulatorOptions? options = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "gft-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        options ??= new EmulatorOptions();
        options.ValidationDelayMs = Math.Min(options.ValidationDelayMs, 50);
        return new EmulatorSession(await EmulatorHost.StartAsync(options), folder);
    }

    /// <param name="journalPath">The transfer journal; none (transfers in memory only) when null.</param>
    /// <param name="configure">Last changes to the connection options (lease lengths, say).</param>
    public async Task<GenesysConnection> ConnectAsync(string secret = EmulatorDefaults.ClientSecret, RetryOptions? retry = null, string? journalPath = null, Action<ConnectionOptions>? configure = null)
    {
        var options = new ConnectionOptions(
            GenesysEnvironment.FromBaseUri(Host.BaseUri),
            new ClientCredentials(EmulatorDefaults.ClientId, ClientCredentials.ToSecureString(secret)))
        {
            AuditLogDirectory = AuditFolder,
            // Never the per-user default: a test must not write into the home folder of whoever runs it.
            JournalPath = journalPath,
            DisableJournal = journalPath is null,
            Retry = retry ?? new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(100) },
        };
        configure?.Invoke(options);
        Connection = await GenesysConnection.ConnectAsync(options, "test-correlation", CancellationToken.None);
        return Connection;
    }

    public string WritePdf(string name = "invoice.pdf", int padding = 200)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllText(path, "%PDF-1.4\n1 0 obj<<>>endobj\n" + new string('x', padding) + "\n%%EOF\n", Encoding.ASCII);
        return path;
    }

    public string WriteText(string name, string content)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public CreateTransferRequest Request(string path, string? contentType = null) =>
        new(new FileCandidate(path, contentType, Metadata), EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId, FileUploadPolicy.Default);

    /// <summary>
    /// How many requests to <paramref name="route"/> the emulator has logged, once it has logged at least
    /// <paramref name="atLeast"/> or 5 s have passed: a request whose connection was cut is logged by the server
    /// a moment after the client has seen the reset. More than expected is returned as it is, so an assertion still
    /// catches a request too many.
    /// </summary>
    public async Task<int> CountRequestsAsync(string route, int atLeast)
    {
        for (int i = 0; i < 100; i++)
        {
            int count = Host.State.Requests.Count(r => r.Route == route);
            if (count >= atLeast)
            {
                return count;
            }

            await Task.Delay(50);
        }

        return Host.State.Requests.Count(r => r.Route == route);
    }

    public async Task AddFaultAsync(object fault)
    {
        using HttpResponseMessage response = await _control.PostAsJsonAsync(new Uri(Host.BaseUri, "emulator/faults"), fault);
        response.EnsureSuccessStatusCode();
    }

    public async Task RevokeTokensAsync()
    {
        using HttpResponseMessage response = await _control.PostAsync(new Uri(Host.BaseUri, "emulator/tokens/revoke"), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Everything the audit log holds so far (the file sink writes through, so it is current).</summary>
    public string ReadAudit()
    {
        var text = new StringBuilder();
        foreach (string file in Directory.GetFiles(AuditFolder, "*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Connection?.Dispose();
        _control.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
