using System.Net;
using System.Net.Sockets;
using System.Text;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Tests.Documents;
using GenesysFileTransfer.Engine.Validation;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Security;

/// <summary>The attacker's probes: links, invisible names, internal download targets and redirects.</summary>
public sealed class HardeningTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gft-hard-" + Guid.NewGuid().ToString("N")[..8]);

    public HardeningTests() => Directory.CreateDirectory(_folder);

    private static FileValidationReport Validate(string path) =>
        new FileTransferValidator(FileUploadPolicy.Default, requireMetadata: false).Validate(new FileCandidate(path, null, new TransferMetadata()), CancellationToken.None);

    [Fact]
    public void ALinkToAnUnreadableFileIsRefusedWithoutFollowingIt()
    {
        string target = Path.Combine(_folder, "secret.pdf");
        File.WriteAllText(target, "%PDF-1.4\nroot only\n%%EOF\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.None);
        string link = Path.Combine(_folder, "innocent.pdf");
        File.CreateSymbolicLink(link, target);

        FileValidationReport report = Validate(link);

        Assert.False(report.IsValid);
        Assert.Contains(report.Failures, f => f.ErrorCode == ValidationErrorCodes.FileIsLink);
    }

    [Fact]
    public void ALinkToALargerFileIsRefusedWhateverItsOwnSize()
    {
        string big = Path.Combine(_folder, "big.pdf");
        using (var stream = File.Create(big))
        {
            stream.Write(Encoding.ASCII.GetBytes("%PDF-1.4\n"));
            stream.SetLength(FileUploadPolicy.Default.MaxFileSizeBytes + 1024);
        }

        string link = Path.Combine(_folder, "small.pdf");
        File.CreateSymbolicLink(link, big);

        FileValidationReport report = Validate(link);

        Assert.Contains(report.Failures, f => f.ErrorCode == ValidationErrorCodes.FileIsLink);
    }

    [Theory]
    [InlineData("invoice\u200B.pdf")]
    [InlineData("in\u200Dvoice.pdf")]
    [InlineData("\uFEFFinvoice.pdf")]
    [InlineData("invoice\u2060.pdf")]
    public void InvisibleFormatCharactersAreRefusedInNames(string name)
    {
        IReadOnlyList<ValidationFailure> failures = FileNameRules.Check(name);

        ValidationFailure failure = Assert.Single(failures, f => f.ErrorCode == ValidationErrorCodes.FileNameInvisibleCharacter);
        Assert.Contains("U+", failure.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/a.pdf")]
    [InlineData("https://127.0.0.1:{port}/a.pdf")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.5/a.pdf")]
    [InlineData("https://[::1]/a.pdf")]
    [InlineData("https://files.evil.example/a.pdf")]
    public async Task InternalOrUnlistedAttachmentUrlsAreNeverFetched(string template)
    {
        var (listener, port, hits) = CountingServer();
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        kit.EnqueueAttachment(template.Replace("{port}", port.ToString()) + "?X-Amz-Signature=abc", "x1", "a.pdf", time.GetUtcNow());
        // The Genesys region's domain is allowed; nothing the URLs above name is.
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time, configure: o => o.DownloadPolicy = DownloadPolicy.Allow("*.mypurecloud.de"));

        DocumentArchiveOutcome outcome = (await archiver.ArchiveNextAsync(CancellationToken.None))!;

        listener.Stop();
        Assert.Equal("DocumentSourceRefused", outcome.Error!.ErrorCode);
        Assert.Equal(0, hits());
        Assert.DoesNotContain("abc", outcome.Error.Message);
    }

    [Fact]
    public async Task ARedirectToAnInternalAddressIsNotFollowed()
    {
        // An allowed host (named explicitly, as the emulator is in tests) answers 302 to the cloud metadata address.
        var listener = new HttpListener();
        int port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            HttpListenerContext context = await listener.GetContextAsync();
            context.Response.StatusCode = 302;
            context.Response.RedirectLocation = "http://169.254.169.254/latest/meta-data/iam";
            context.Response.Close();
        });
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        kit.EnqueueAttachment($"http://127.0.0.1:{port}/a.pdf", "r1", "a.pdf", time.GetUtcNow());
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time, configure: o => o.DownloadPolicy = DownloadPolicy.Allow("127.0.0.1"));

        DocumentArchiveOutcome outcome = (await archiver.ArchiveNextAsync(CancellationToken.None))!;

        listener.Stop();
        Assert.Equal("DocumentSourceRefused", outcome.Error!.ErrorCode);
        Assert.Contains("169.254.169.254", outcome.Error.Message);
    }

    [Fact]
    public async Task ClosedAndOpenPortsGiveTheSameError()
    {
        int closed = FreePort();
        var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { using TcpClient c = await open.AcceptTcpClientAsync(); c.Client.Close(); }
                catch (Exception) { return; }
            }
        });
        int openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        var messages = new List<string>();
        foreach (int port in new[] { closed, openPort })
        {
            using var kit = new DocumentTestKit();
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            kit.EnqueueAttachment($"http://127.0.0.1:{port}/a.pdf", "p" + port, "a.pdf", time.GetUtcNow());
            DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time, configure: o =>
            {
                o.DownloadPolicy = DownloadPolicy.Allow("127.0.0.1");
                o.DownloadTimeout = TimeSpan.FromSeconds(3);
            });
            DocumentArchiveOutcome outcome = (await archiver.ArchiveNextAsync(CancellationToken.None))!;
            messages.Add(outcome.Error!.Message.Replace(port.ToString(), "PORT").Replace("p" + port, "KEY"));
        }

        open.Stop();
        Assert.Equal(messages[0], messages[1]);
        Assert.DoesNotContain("refused", messages[0], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ArchivingForgetsTheSignedUrl()
    {
        using var kit = new DocumentTestKit("sqlite");
        var item = kit.EnqueueAttachment("https://api.mypurecloud.de/downloads/a.pdf?X-Amz-Signature=topsecret", "s1", "a.pdf", DateTimeOffset.UtcNow.AddMinutes(-1));
        OutboxItem claimed = kit.Journal.Outbox.ClaimNext("w", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1))!;

        Assert.True(kit.Journal.Outbox.MarkArchived(claimed.DocumentKey, "w", "/dms/a.pdf", DateTimeOffset.UtcNow));

        OutboxItem archived = kit.Journal.Outbox.GetItem(item.DocumentKey)!;
        Assert.Equal("https://api.mypurecloud.de/downloads/a.pdf", archived.Source);
        Assert.Null(archived.FallbackSource);
    }

    private static (HttpListener Listener, int Port, Func<int> Hits) CountingServer()
    {
        int port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        int hits = 0;
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try { HttpListenerContext c = await listener.GetContextAsync(); Interlocked.Increment(ref hits); c.Response.Close(); }
                catch (Exception) { return; }
            }
        });
        return (listener, port, () => Volatile.Read(ref hits));
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
