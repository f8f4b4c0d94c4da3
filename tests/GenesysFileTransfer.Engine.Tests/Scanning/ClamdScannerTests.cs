using System.Net;
using System.Net.Sockets;
using System.Text;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Scanning;
using GenesysFileTransfer.Engine.Tests.Core;
using GenesysFileTransfer.Engine.Tests.Documents;
using GenesysFileTransfer.Engine.Transfers;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Scanning;

/// <summary>The clamd client, the send gate and the archive quarantine, against a real clamd.</summary>
[Collection(ClamdCollection.Name)]
public sealed class ClamdScannerTests
{
    private readonly ClamdPeer _clamd;

    public ClamdScannerTests(ClamdPeer clamd) => _clamd = clamd;

    private static MemoryStream Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task A_scanner_that_answers_without_a_verdict_is_MalwareScanFailed_never_clean()
    {
        // A daemon that reads the stream and answers an error line, as clamd does when its database is broken.
        var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        int port = ((IPEndPoint)server.LocalEndpoint).Port;
        Task serve = Task.Run(async () =>
        {
            using TcpClient client = await server.AcceptTcpClientAsync();
            using NetworkStream stream = client.GetStream();
            var buffer = new byte[8192];
            int total = 0;
            // The command and one chunk: enough to know the client is streaming; then the refusal.
            while (total < 20)
            {
                int read = await stream.ReadAsync(buffer);
                if (read == 0) break;
                total += read;
            }

            byte[] answer = System.Text.Encoding.ASCII.GetBytes("stream: Can't allocate memory ERROR\0");
            await stream.WriteAsync(answer);
        });
        try
        {
            var failed = await Assert.ThrowsAsync<MalwareScanFailedException>(() =>
                new ClamdScanner(ClamdEndpoint.Tcp("127.0.0.1", port), new ClamdOptions { IoTimeout = TimeSpan.FromSeconds(5) }).ScanAsync(Bytes("some bytes to scan"), CancellationToken.None));

            Assert.Equal("MalwareScanFailed", failed.ErrorCode);
            Assert.Contains("Can't allocate memory", failed.Message);
        }
        finally
        {
            server.Stop();
            await Task.WhenAny(serve, Task.Delay(5000));
        }
    }

    [Fact]
    public async Task CleanBytesAreCleanAndEicarIsFoundOverTcp()
    {
        ClamdScanner scanner = _clamd.Scanner();
        ScanVerdict clean = await scanner.ScanAsync(Bytes("%PDF-1.4\nnothing to see\n%%EOF\n"), CancellationToken.None);
        ScanVerdict infected = await scanner.ScanAsync(Bytes("%PDF-1.4\n" + ClamdPeer.Eicar + "\n%%EOF\n"), CancellationToken.None);

        Assert.False(clean.Infected);
        Assert.Null(clean.Signature);
        Assert.True(infected.Infected);
        Assert.StartsWith("Eicar-Test-Signature", infected.Signature);
        Assert.Contains("127.0.0.1:" + _clamd.Port, infected.Scanner);
    }

    [Fact]
    public async Task TheProjectsOwnSignatureIsFoundOverTheUnixSocket()
    {
        IMalwareScanner scanner = MalwareScannerAddress.Parse("unix://" + _clamd.SocketPath);
        string path = Path.Combine(_clamd.Folder, "marker.bin");
        await File.WriteAllTextAsync(path, new string('x', 200_000) + ClamdPeer.Marker + new string('y', 100_000));

        ScanVerdict verdict = await scanner.ScanFileAsync(path, CancellationToken.None);

        Assert.True(verdict.Infected);
        Assert.StartsWith(ClamdPeer.MarkerSignature, verdict.Signature);
        Assert.Equal(300_000 + ClamdPeer.Marker.Length, verdict.Bytes);
    }

    [Fact]
    public async Task A25MegabyteFileIsStreamedInConstantMemory()
    {
        const long size = 25_000_000;
        ClamdScanner scanner = _clamd.Scanner(new ClamdOptions { ChunkSize = 64 * 1024 });
        await scanner.ScanAsync(new GeneratedStream(1024), CancellationToken.None); // warm up: first-call allocations
        var content = new GeneratedStream(size);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        ScanVerdict verdict = await scanner.ScanAsync(content, CancellationToken.None);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.False(verdict.Infected);
        Assert.Equal(size, verdict.Bytes);
        // The client never asks the source for more than one chunk at a time…
        Assert.True(content.MaxRequested <= 64 * 1024, $"asked for {content.MaxRequested} bytes at once");
        // …and 25 MB pass through with well under 2 MB allocated (one rented chunk buffer, sockets, the answer).
        Assert.True(allocated < 2 * 1024 * 1024, $"{allocated} bytes allocated to scan {size} bytes");
    }

    [Fact]
    public async Task OverClamdsStreamLimitIsReportedNeverClean()
    {
        var ex = await Assert.ThrowsAsync<MalwareScanFailedException>(() =>
            _clamd.Scanner().ScanAsync(new GeneratedStream(ClamdPeer.StreamMaxLength + 1024 * 1024), CancellationToken.None));

        Assert.Equal("FileTooLargeToScan", ex.ErrorCode);
        Assert.Contains("StreamMaxLength", ex.Message);
    }

    [Fact]
    public async Task NoDaemonOrASilentOneIsUnavailable()
    {
        var refused = await Assert.ThrowsAsync<MalwareScannerUnavailableException>(() =>
            new ClamdScanner(ClamdEndpoint.Tcp("127.0.0.1", ClamdPeer.FreePort())).ScanAsync(Bytes("x"), CancellationToken.None));
        Assert.Contains("refused", refused.Message);

        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            var timedOut = await Assert.ThrowsAsync<MalwareScannerUnavailableException>(() =>
                new ClamdScanner(ClamdEndpoint.Tcp("127.0.0.1", port), new ClamdOptions { IoTimeout = TimeSpan.FromSeconds(1) }).ScanAsync(Bytes("x"), CancellationToken.None));
            Assert.Contains("no answer within 1 s", timedOut.Message);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Theory]
    [InlineData("tcp://scanner.example.com", "scanner.example.com", 3310)]
    [InlineData("tcp://127.0.0.1:3999", "127.0.0.1", 3999)]
    public void AddressesParse(string address, string host, int port)
    {
        ClamdEndpoint endpoint = ClamdEndpoint.Parse(address);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Throws<ArgumentException>(() => ClamdEndpoint.Parse("http://127.0.0.1:3310"));
        Assert.Throws<ArgumentException>(() => ClamdEndpoint.Parse("unix://relative/clamd.ctl"));
    }

    [Fact]
    public async Task ACleanFileIsSentWithItsVerdictInTheHistory()
    {
        await using EmulatorSession session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        connection.Transfers.MalwareScanner = _clamd.Scanner();
        string path = session.WritePdf("clean.pdf");

        FileTransfer sent = await connection.Sender.SendAsync(Scanned(session, path), new SendOptions { Deliver = true }, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, sent.Status);
        Assert.Contains(sent.History, h => h.Event == "malware-scan-clean");
        Assert.Contains("\"operation\":\"malware-scan\",\"outcome\":\"success\"", session.ReadAudit());
    }

    [Fact]
    public async Task AnInfectedFileThatPassesContentSniffingIsRefusedBeforeAnythingIsCreated()
    {
        await using EmulatorSession session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        connection.Transfers.MalwareScanner = _clamd.Scanner();
        string path = session.WriteText("infected.pdf", "%PDF-1.4\n1 0 obj<<>>endobj\n" + ClamdPeer.Eicar + "\n%%EOF\n");

        var ex = await Assert.ThrowsAsync<FileInfectedException>(() =>
            connection.Sender.SendAsync(Scanned(session, path), new SendOptions { Deliver = true }, null, CancellationToken.None));

        Assert.Equal(path, ex.Path);
        Assert.StartsWith("Eicar-Test-Signature", ex.Verdict.Signature);
        Assert.Equal(0, session.Host.State.Requests.Count(r => r.Route == "uploads"));
        Assert.True(connection.Lookup.TryGet(ex.TransferId!.Value, out FileTransfer recorded));
        Assert.Equal(TransferStatus.Invalid, recorded.Status);
        Assert.Contains(recorded.History, h => h.Event == "malware-found");
        Assert.Contains("\"errorCode\":\"FileInfected\"", session.ReadAudit());
    }

    [Fact]
    public async Task AStoppedScannerOrNoScannerSendsNothing()
    {
        await using EmulatorSession session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        string path = session.WritePdf("waiting.pdf");

        await Assert.ThrowsAsync<MalwareScannerNotConfiguredException>(() =>
            connection.Sender.SendAsync(Scanned(session, path), new SendOptions(), null, CancellationToken.None));
        connection.Transfers.MalwareScanner = new ClamdScanner(ClamdEndpoint.Tcp("127.0.0.1", ClamdPeer.FreePort()));
        await Assert.ThrowsAsync<MalwareScannerUnavailableException>(() =>
            connection.Sender.SendAsync(Scanned(session, path), new SendOptions(), null, CancellationToken.None));

        Assert.Equal(0, session.Host.State.Requests.Count(r => r.Route == "uploads"));
        Assert.Contains("MalwareScannerUnavailable", session.ReadAudit());
    }

    [Fact]
    public async Task AnInfectedCallbackAttachmentIsQuarantinedNotArchived()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(new EmulatorOptions());
        await ObjectStoreControl.CreateBucketAsync(host, "attachments");
        using var http = new HttpClient();
        byte[] infected = Encoding.ASCII.GetBytes("%PDF-1.4\n" + ClamdPeer.Eicar + "\n%%EOF\n");
        using (HttpResponseMessage put = await http.PutAsync(new Uri(host.BaseUri, "objectstore/attachments/a1/report.pdf"), new ByteArrayContent(infected)))
        {
            put.EnsureSuccessStatusCode();
        }

        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        OutboxItem item = kit.EnqueueAttachment(new Uri(host.BaseUri, "objectstore/attachments/a1/report.pdf?X-Amz-Signature=secret").AbsoluteUri, "a1", "report.pdf", time.GetUtcNow(), DocumentTestKit.Sha256Of(infected));
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time, configure: o => o.MalwareScanner = _clamd.Scanner());

        DocumentArchiveOutcome? outcome = await archiver.ArchiveNextAsync(CancellationToken.None);

        Assert.NotNull(outcome);
        Assert.True(outcome!.Quarantined);
        Assert.IsType<DocumentQuarantinedException>(outcome.Error);
        OutboxItem stored = kit.Journal.Outbox.GetItem(item.DocumentKey)!;
        Assert.Equal(OutboxState.Quarantined, stored.State);
        Assert.Contains("Eicar-Test-Signature", stored.StateReason);
        Assert.Empty(DocumentTestKit.FilesUnder(kit.Destination));
        Assert.Contains("\"status\":\"quarantined\"", kit.AuditText());
        Assert.Null(await archiver.ArchiveNextAsync(CancellationToken.None));
    }

    private static CreateTransferRequest Scanned(EmulatorSession session, string path) =>
        new(new GenesysFileTransfer.Engine.Validation.FileCandidate(path, null, new GenesysFileTransfer.Engine.Validation.TransferMetadata
        {
            StorageBucketReference = EmulatorSession.Metadata.StorageBucketReference,
            AccessPolicy = EmulatorSession.Metadata.AccessPolicy,
            VirusScanEnabled = true,
        }), EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId, GenesysFileTransfer.Engine.Validation.FileUploadPolicy.Default);
}
