using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Tests.Core;
using GenesysFileTransfer.Engine.Transfers;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// A delivered transfer whose local file is gone: fetched again from Genesys while it serves the media (verified
/// against the recorded SHA-256), else set aside as source-missing with its reason instead of being retried forever.
/// </summary>
public sealed class MissingSourceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Answers with a fixed URL (or none, or a failure) and counts the questions.</summary>
    private sealed class FakeLocator : IMediaLocator
    {
        private readonly Func<MediaReference, Uri?> _answer;

        public FakeLocator(Func<MediaReference, Uri?> answer) => _answer = answer;

        public List<MediaReference> Asked { get; } = new();

        public Task<Uri?> LocateAsync(MediaReference media, CancellationToken cancellationToken)
        {
            Asked.Add(media);
            return Task.FromResult(_answer(media));
        }
    }

    private static (OutboxItem Item, JournalTransfer Transfer) DeliveredThenDeleted(DocumentTestKit kit, string content, string mediaId = "media-1")
    {
        string path = kit.WriteFile("sent.pdf", content);
        Guid id = Guid.NewGuid();
        OutboxItem item = kit.EnqueueTransfer(path, T0, transferId: id);
        var transfer = new JournalTransfer
        {
            TransferId = id,
            ConversationId = EmulatorDefaults.ConversationId,
            CommunicationId = EmulatorDefaults.CommunicationId,
            FilePath = path,
            FileName = "sent.pdf",
            MediaId = mediaId,
            Sha256 = item.Sha256!,
            Length = item.Length!.Value,
            Status = "Delivered",
        };
        ((InMemoryTransferJournal)kit.Journal).AddTransfer(transfer);
        File.Delete(path);
        return (item, transfer);
    }

    private static DocumentArchiver Archiver(DocumentTestKit kit, TimeProvider time, IMediaLocator? locator) =>
        new(kit.Journal.Outbox, new FileSystemDocumentSink(kit.Destination), kit.Audit, new DocumentArchiverOptions
        {
            RetryBaseDelay = TimeSpan.FromSeconds(10),
            StagingDirectory = Path.Combine(kit.Folder, "staging"),
            DownloadPolicy = DownloadPolicy.Allow("127.0.0.1", "localhost"),
        }, time, kit.Journal.Transfers, locator);

    private static async Task<string> PublishAsync(EmulatorHost host, string key, byte[] content)
    {
        await ObjectStoreControl.CreateBucketAsync(host, "genesys-media");
        using var http = new HttpClient();
        (await http.PutAsync(new Uri(host.BaseUri, "objectstore/genesys-media/" + key), new ByteArrayContent(content))).EnsureSuccessStatusCode();
        return new Uri(host.BaseUri, "objectstore/genesys-media/" + key) + "?X-Amz-Expires=600&X-Amz-Signature=mediasignature0123456789";
    }

    [Fact]
    public async Task Without_a_connection_a_gone_file_is_set_aside_with_its_reason_and_not_taken_again()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        (OutboxItem item, _) = DeliveredThenDeleted(kit, "%PDF-1.4 gone");
        var outcomes = new List<DocumentArchiveOutcome>();

        DocumentDrainSummary first = await Archiver(kit, time, locator: null).DrainAsync(null, outcomes.Add, CancellationToken.None);
        time.Advance(TimeSpan.FromDays(2));
        var journal = (InMemoryTransferJournal)kit.Journal;
        int claims = journal.ClaimCount;
        DocumentDrainSummary second = await Archiver(kit, time, locator: null).DrainAsync(null, null, CancellationToken.None);

        Assert.Equal(1, first.SourceMissing);
        Assert.Equal(0, first.Failed);
        DocumentArchiveOutcome outcome = Assert.Single(outcomes);
        Assert.True(outcome.SourceMissing);
        Assert.Equal("DocumentSourceNotFound", outcome.Error!.ErrorCode);
        Assert.Contains("no Genesys connection", outcome.Error.Message);
        OutboxItem missing = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.SourceMissing));
        Assert.Equal(item.DocumentKey, missing.DocumentKey);
        Assert.StartsWith("DocumentSourceNotFound: ", missing.StateReason);
        Assert.Contains(item.Source, missing.StateReason);
        Assert.Equal(0, second.Archived + second.Failed + second.SourceMissing);
        Assert.Equal(claims, journal.ClaimCount);
        JsonElement record = Assert.Single(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == DocumentAuditOperations.Archive);
        Assert.Equal("failure", record.GetProperty("outcome").GetString());
        Assert.Equal("source-missing", record.GetProperty("status").GetString());
        Assert.Equal("DocumentSourceNotFound", record.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task A_gone_file_is_fetched_from_the_media_url_genesys_gives_verified_and_archived_without_writing_the_url_query()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        const string content = "%PDF-1.4 the file that was sent";
        (OutboxItem item, JournalTransfer transfer) = DeliveredThenDeleted(kit, content, "media-42");
        string url = await PublishAsync(host, "media-42/sent.pdf", Encoding.UTF8.GetBytes(content));
        var locator = new FakeLocator(_ => new Uri(url));

        var outcomes = new List<DocumentArchiveOutcome>();
        await Archiver(kit, time, locator).DrainAsync(null, outcomes.Add, CancellationToken.None);

        ArchivedDocument archived = Assert.Single(outcomes).Document!;
        Assert.Equal(content, File.ReadAllText(archived.Location));
        MediaReference asked = Assert.Single(locator.Asked);
        Assert.Equal((EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId, "media-42", (Guid?)transfer.TransferId), (asked.ConversationId, asked.CommunicationId, asked.MediaId, asked.TransferId));
        Assert.Equal(item.DocumentKey, Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Archived)).DocumentKey);
        string sidecar = File.ReadAllText(archived.Location + ".metadata.json");
        Assert.Contains(new Uri(host.BaseUri, "objectstore/genesys-media/media-42/sent.pdf").ToString(), sidecar);
        string written = kit.AuditText() + sidecar;
        Assert.DoesNotContain("mediasignature0123456789", written);
        Assert.Contains("fetched media media-42 from Genesys", kit.AuditText());
    }

    [Fact]
    public async Task Bytes_from_genesys_that_differ_from_the_recorded_sha256_are_not_archived_and_stay_pending()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        DeliveredThenDeleted(kit, "%PDF-1.4 original", "media-9");
        string url = await PublishAsync(host, "media-9/other.pdf", Encoding.UTF8.GetBytes("%PDF-1.4 something else"));

        var outcomes = new List<DocumentArchiveOutcome>();
        await Archiver(kit, time, new FakeLocator(_ => new Uri(url))).DrainAsync(null, outcomes.Add, CancellationToken.None);

        Assert.IsType<DocumentIntegrityException>(Assert.Single(outcomes).Error);
        Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Empty(DocumentTestKit.FilesUnder(kit.Destination));
    }

    [Fact]
    public async Task Media_genesys_no_longer_serves_sets_the_document_aside_naming_the_media()
    {
        using var kit = new DocumentTestKit();
        DeliveredThenDeleted(kit, "%PDF-1.4 expired", "media-expired");
        var outcomes = new List<DocumentArchiveOutcome>();

        await Archiver(kit, new FakeTimeProvider(T0), new FakeLocator(_ => null)).DrainAsync(null, outcomes.Add, CancellationToken.None);

        Assert.True(Assert.Single(outcomes).SourceMissing);
        Assert.Contains("Genesys no longer serves media media-expired", Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.SourceMissing)).StateReason);
    }

    [Fact]
    public async Task A_genesys_that_cannot_be_asked_now_leaves_the_document_pending_for_a_later_run()
    {
        using var kit = new DocumentTestKit();
        DeliveredThenDeleted(kit, "%PDF-1.4 later");
        var outcomes = new List<DocumentArchiveOutcome>();

        await Archiver(kit, new FakeTimeProvider(T0), new FakeLocator(_ => throw new HttpRequestException("connection refused")))
            .DrainAsync(null, outcomes.Add, CancellationToken.None);

        DocumentArchiveOutcome outcome = Assert.Single(outcomes);
        Assert.False(outcome.SourceMissing);
        Assert.Equal("DocumentSourceUnavailable", outcome.Error!.ErrorCode);
        Assert.True(outcome.Error.IsTransient);
        OutboxItem pending = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Equal(T0 + TimeSpan.FromSeconds(5), pending.NextAttemptAt, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_callbacks_attachment_url_is_tried_before_genesys_is_asked()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        using var kit = new DocumentTestKit();
        const string content = "%PDF-1.4 via the callback";
        string path = kit.WriteFile("cb.pdf", content);
        OutboxItem item = new()
        {
            DocumentKey = "transfer/" + Guid.NewGuid(),
            Kind = "transfer",
            TransferId = Guid.NewGuid(),
            Source = path,
            FallbackSource = await PublishAsync(host, "media-cb/cb.pdf", Encoding.UTF8.GetBytes(content)),
            FileName = "cb.pdf",
            Sha256 = DocumentTestKit.Sha256Of(path),
            Length = new FileInfo(path).Length,
            EnqueuedAt = T0,
            NextAttemptAt = T0,
        };
        kit.Journal.Outbox.Enqueue(item);
        File.Delete(path);
        var locator = new FakeLocator(_ => throw new InvalidOperationException("must not be asked"));

        var outcomes = new List<DocumentArchiveOutcome>();
        await Archiver(kit, new FakeTimeProvider(T0), locator).DrainAsync(null, outcomes.Add, CancellationToken.None);

        Assert.Equal(content, File.ReadAllText(Assert.Single(outcomes).Document!.Location));
        Assert.Empty(locator.Asked);
    }

    [Fact]
    public async Task A_source_missing_document_whose_file_is_back_is_archived_after_a_reset()
    {
        using var kit = new DocumentTestKit("sqlite");
        var time = new FakeTimeProvider(T0);
        string path = kit.WriteFile("back.pdf", "%PDF-1.4 back again");
        OutboxItem item = kit.EnqueueTransfer(path, T0);
        string saved = File.ReadAllText(path);
        File.Delete(path);
        await Archiver(kit, time, null).DrainAsync(null, null, CancellationToken.None);
        Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.SourceMissing));

        File.WriteAllText(path, saved);
        time.Advance(TimeSpan.FromHours(1));
        new OutboxAdministration(kit.Journal.Outbox, kit.Audit, time).Reset(item.DocumentKey, "ops@host");
        DocumentDrainSummary summary = await Archiver(kit, time, null).DrainAsync(null, null, CancellationToken.None);

        Assert.Equal(1, summary.Archived);
        Assert.Equal(item.DocumentKey, Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Archived)).DocumentKey);
    }

    [Fact]
    public async Task The_genesys_locator_finds_the_url_of_delivered_media_and_nothing_for_unknown_media()
    {
        await using EmulatorSession session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf("located.pdf")), CancellationToken.None);
        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(transfer, new ScanWaitOptions(), null, CancellationToken.None);

        Uri? url = await connection.MediaLocator.LocateAsync(new MediaReference(EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId, transfer.MediaId!), CancellationToken.None);
        Uri? unknown = await connection.MediaLocator.LocateAsync(new MediaReference(EmulatorDefaults.ConversationId, EmulatorDefaults.CommunicationId, Guid.NewGuid().ToString()), CancellationToken.None);

        Assert.NotNull(url);
        using var http = new HttpClient();
        byte[] downloaded = await http.GetByteArrayAsync(url);
        Assert.Equal(transfer.Sha256, DocumentTestKit.Sha256Of(downloaded));
        Assert.Null(unknown);
        string audit = string.Join("\n", Directory.GetFiles(session.AuditFolder, "*.jsonl").Select(f => { using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); return new StreamReader(s).ReadToEnd(); }));
        Assert.Contains("media-locate", audit);
        Assert.DoesNotContain(url!.Query, audit);
    }
}
