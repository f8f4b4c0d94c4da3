using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The outbox processor against the in-memory journal double and the real SQLite journal, a folder sink and the
/// emulator's object store.
/// </summary>
public sealed class DocumentArchiverTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Journals => new() { "memory", "sqlite" };

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task A_delivered_transfer_is_archived_with_its_sidecar_and_recorded(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        var time = new FakeTimeProvider(T0);
        OutboxItem item = kit.EnqueueTransfer(kit.WriteFile("invoice.pdf", "%PDF-1.4 invoice"), T0);
        time.Advance(TimeSpan.FromSeconds(90));

        DocumentDrainSummary summary = await kit.Archiver(new FileSystemDocumentSink(kit.Destination), time).DrainAsync(null, null, CancellationToken.None);

        Assert.Equal(1, summary.Archived);
        string folder = $"transfer/{item.TransferId}";
        Assert.Equal(new[] { folder + "/invoice.pdf", folder + "/invoice.pdf.metadata.json" }, DocumentTestKit.FilesUnder(kit.Destination));
        OutboxItem archived = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Archived));
        Assert.Equal(Path.Combine(kit.Destination, "transfer", item.TransferId.ToString()!, "invoice.pdf"), archived.StoredLocation);
        Assert.Empty(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));

        JsonElement record = Assert.Single(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == DocumentAuditOperations.Archive);
        Assert.Equal("success", record.GetProperty("outcome").GetString());
        Assert.Equal("archived", record.GetProperty("status").GetString());
        Assert.Equal(90_000, record.GetProperty("latencyMs").GetDouble());
        Assert.Equal(item.TransferId.ToString(), record.GetProperty("transferId").GetString());
        Assert.Equal(item.Sha256, record.GetProperty("sha256").GetString());
        Assert.Equal(1, record.GetProperty("attempt").GetInt32());
        Assert.Equal("documents-test", record.GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task An_attachment_is_downloaded_verified_and_archived_and_its_url_query_is_never_written()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        await ObjectStoreControl.CreateBucketAsync(host, "genesys-attachments");
        byte[] content = Encoding.UTF8.GetBytes("a photo of the damaged parcel");
        using (var http = new HttpClient())
        {
            (await http.PutAsync(new Uri(host.BaseUri, "objectstore/genesys-attachments/att-1/parcel.txt"), new ByteArrayContent(content))).EnsureSuccessStatusCode();
        }

        string url = new Uri(host.BaseUri, "objectstore/genesys-attachments/att-1/parcel.txt").ToString() + "?X-Amz-Signature=supersecretsignature123&X-Amz-Expires=600";
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        kit.EnqueueAttachment(url, "att-1", "parcel.txt", T0, sha256: "0000000000000000000000000000000000000000000000000000000000000000");
        kit.EnqueueAttachment(url, "att-2", "parcel.txt", T0, sha256: DocumentTestKit.Sha256Of(content));
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time);

        var outcomes = new List<DocumentArchiveOutcome>();
        await archiver.DrainAsync(null, outcomes.Add, CancellationToken.None);

        Assert.IsType<DocumentIntegrityException>(Assert.Single(outcomes, o => !o.Succeeded).Error);
        ArchivedDocument archived = Assert.Single(outcomes, o => o.Succeeded).Document!;
        Assert.Equal(content, File.ReadAllBytes(archived.Location));
        Assert.Equal("attachment", archived.Kind);
        string everything = kit.AuditText() + string.Join("\n", kit.Journal.Outbox.GetOutbox(null).Select(i => i.LastError))
            + string.Join("\n", Directory.GetFiles(kit.Destination, "*.json", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain("supersecretsignature123", everything);
        Assert.DoesNotContain("X-Amz-Expires", everything);
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task The_object_store_down_for_a_while_then_back_archives_each_document_exactly_once(string journal)
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        await ObjectStoreControl.CreateBucketAsync(host, "dms");
        using var kit = new DocumentTestKit(journal);
        var time = new FakeTimeProvider(T0);
        for (int i = 0; i < 3; i++) kit.EnqueueTransfer(kit.WriteFile($"doc{i}.pdf", "%PDF-1.4 document " + i), T0.AddSeconds(i));
        using S3DocumentSink sink = ObjectStoreControl.Sink(host, "dms");
        DocumentArchiver archiver = kit.Archiver(sink, time);

        // Down: the next four requests get 503.
        await ObjectStoreControl.AddFaultAsync(host, new { route = "objectstore", count = 4, action = "status", status = 503 });
        time.Advance(TimeSpan.FromSeconds(5));
        DocumentDrainSummary first = await archiver.DrainAsync(null, null, CancellationToken.None);
        Assert.Equal(3, first.Failed);
        Assert.All(kit.Journal.Outbox.GetOutbox(OutboxState.Pending), i => Assert.True(i.NextAttemptAt > time.GetUtcNow()));
        Assert.Contains("DocumentSinkUnavailable", kit.Journal.Outbox.GetOutbox(OutboxState.Pending)[0].LastError);

        // Still backing off: nothing is due, nothing is tried.
        DocumentDrainSummary waiting = await archiver.DrainAsync(null, null, CancellationToken.None);
        Assert.Equal(0, waiting.Archived + waiting.Failed);

        // Back (after one more 503), and later the last one too.
        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary second = await archiver.DrainAsync(null, null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary third = await archiver.DrainAsync(null, null, CancellationToken.None);

        Assert.Equal((2, 1), (second.Archived, second.Failed));
        Assert.Equal((1, 0), (third.Archived, third.Failed));
        Assert.Equal(3, (await ObjectStoreControl.ObjectsAsync(host)).Count);
        Assert.Equal(3, await ObjectStoreControl.CountRequestsAsync(host, "PUT", 200));
        Assert.Equal(3, kit.Journal.Outbox.GetOutbox(OutboxState.Archived).Count);
        Assert.Empty(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Equal(4, kit.AuditRecords().Count(r => r.GetProperty("operation").GetString() == "archive" && r.GetProperty("outcome").GetString() == "retry"));
    }

    [Fact]
    public async Task The_folder_down_for_a_while_then_back_archives_exactly_once()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        kit.EnqueueTransfer(kit.WriteFile("a.pdf", "%PDF-1.4 a"), T0);
        File.WriteAllText(kit.Destination, "a share that is not there");
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time);

        DocumentDrainSummary down = await archiver.DrainAsync(null, null, CancellationToken.None);
        File.Delete(kit.Destination);
        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary back = await archiver.DrainAsync(null, null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary later = await archiver.DrainAsync(null, null, CancellationToken.None);

        Assert.Equal((0, 1), (down.Archived, down.Failed));
        Assert.Equal(1, back.Archived);
        Assert.Equal(0, later.Archived + later.Failed);
        Assert.Equal(2, DocumentTestKit.FilesUnder(kit.Destination).Count);
    }

    [Fact]
    public async Task Content_whose_sha256_differs_from_the_enqueued_one_is_retried_and_never_archived()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        string path = kit.WriteFile("changed.pdf", "%PDF-1.4 as delivered");
        OutboxItem item = kit.EnqueueTransfer(path, T0);
        File.WriteAllText(path, "%PDF-1.4 changed after delivery");

        var outcomes = new List<DocumentArchiveOutcome>();
        await kit.Archiver(new FileSystemDocumentSink(kit.Destination), time).DrainAsync(null, outcomes.Add, CancellationToken.None);

        DocumentArchiveOutcome outcome = Assert.Single(outcomes);
        Assert.False(outcome.Succeeded);
        Assert.IsType<DocumentIntegrityException>(outcome.Error);
        OutboxItem pending = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.True(pending.NextAttemptAt > T0);
        Assert.Contains("DocumentIntegrityFailed", pending.LastError);
        Assert.Empty(DocumentTestKit.FilesUnder(kit.Destination));
        JsonElement record = Assert.Single(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == "archive");
        Assert.Equal("retry", record.GetProperty("outcome").GetString());
        Assert.Equal("DocumentIntegrityFailed", record.GetProperty("errorCode").GetString());
        Assert.True(record.GetProperty("retryAfterSeconds").GetDouble() > 0);
        Assert.Equal(item.DocumentKey, pending.DocumentKey);
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task A_crashed_workers_item_is_archived_by_another_worker_once_its_lease_expires(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        var time = new FakeTimeProvider(T0);
        kit.EnqueueTransfer(kit.WriteFile("a.pdf", "%PDF-1.4 left behind"), T0);

        // Worker A claims the item and dies before archiving it.
        Assert.NotNull(kit.OpenJournal().Outbox.ClaimNext("worker-a", time.GetUtcNow(), TimeSpan.FromMinutes(2)));
        DocumentArchiver b = kit.Archiver(new FileSystemDocumentSink(kit.Destination), time, "worker-b");

        DocumentDrainSummary whileLeased = await b.DrainAsync(null, null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(3));
        var outcomes = new List<DocumentArchiveOutcome>();
        DocumentDrainSummary afterLease = await b.DrainAsync(null, outcomes.Add, CancellationToken.None);

        Assert.Equal(0, whileLeased.Archived + whileLeased.Failed);
        Assert.Equal(1, afterLease.Archived);
        Assert.Equal(2, Assert.Single(outcomes).Attempt);
        Assert.Equal(2, DocumentTestKit.FilesUnder(kit.Destination).Count);
        Assert.False(kit.Journal.Outbox.MarkArchived(Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Archived)).DocumentKey, "worker-a", "elsewhere", time.GetUtcNow()));
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task A_slow_worker_that_lost_its_lease_stores_nothing_twice_and_records_nothing(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        var time = new FakeTimeProvider(T0);
        kit.EnqueueTransfer(kit.WriteFile("a.pdf", "%PDF-1.4 slow"), T0);
        var sink = new FileSystemDocumentSink(kit.Destination);
        DocumentArchiver slow = kit.Archiver(sink, time, "slow", configure: o => o.Lease = TimeSpan.FromMinutes(1));
        DocumentArchiver fast = kit.Archiver(sink, time, "fast");

        OutboxItem claimedBySlow = kit.Journal.Outbox.ClaimNext("slow", time.GetUtcNow(), TimeSpan.FromMinutes(1))!;
        time.Advance(TimeSpan.FromMinutes(2));
        DocumentDrainSummary byFast = await fast.DrainAsync(null, null, CancellationToken.None);
        DocumentArchiveOutcome late = await slow.ArchiveClaimedAsync(claimedBySlow, CancellationToken.None);

        Assert.Equal(1, byFast.Archived);
        Assert.True(late.LeaseLost);
        Assert.False(late.Succeeded);
        Assert.Equal(2, DocumentTestKit.FilesUnder(kit.Destination).Count);
        Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Archived));
    }

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task Two_archivers_racing_on_one_journal_store_each_document_once(string journal)
    {
        using var kit = new DocumentTestKit(journal);
        const int count = 24;
        for (int i = 0; i < count; i++) kit.EnqueueTransfer(kit.WriteFile($"f{i:00}.pdf", "%PDF-1.4 file " + i), DateTimeOffset.UtcNow.AddMinutes(-1));
        var sink = new FileSystemDocumentSink(kit.Destination);
        DocumentArchiver one = kit.Archiver(sink, TimeProvider.System, "one", kit.OpenJournal());
        DocumentArchiver two = kit.Archiver(sink, TimeProvider.System, "two", kit.OpenJournal());
        var archived = new System.Collections.Concurrent.ConcurrentBag<string>();

        DocumentDrainSummary[] summaries = await Task.WhenAll(
            Task.Run(() => one.DrainAsync(null, o => { if (o.Succeeded) archived.Add(o.DocumentKey); }, CancellationToken.None)),
            Task.Run(() => two.DrainAsync(null, o => { if (o.Succeeded) archived.Add(o.DocumentKey); }, CancellationToken.None)));

        Assert.Equal(count, summaries.Sum(s => s.Archived));
        Assert.Equal(0, summaries.Sum(s => s.Failed + s.LeaseLost));
        Assert.Equal(count, archived.Distinct().Count());
        Assert.Equal(count, archived.Count);
        Assert.Equal(count * 2, DocumentTestKit.FilesUnder(kit.Destination).Count);
        Assert.Equal(count, kit.Journal.Outbox.GetOutbox(OutboxState.Archived).Count);
    }

    [Fact]
    public async Task Two_archivers_racing_into_the_object_store_create_one_object_per_document()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        await ObjectStoreControl.CreateBucketAsync(host, "dms");
        using var kit = new DocumentTestKit("sqlite");
        const int count = 12;
        for (int i = 0; i < count; i++) kit.EnqueueTransfer(kit.WriteFile($"s{i:00}.pdf", "%PDF-1.4 object " + i), DateTimeOffset.UtcNow.AddMinutes(-1));
        using S3DocumentSink sinkOne = ObjectStoreControl.Sink(host, "dms");
        using S3DocumentSink sinkTwo = ObjectStoreControl.Sink(host, "dms");

        DocumentDrainSummary[] summaries = await Task.WhenAll(
            Task.Run(() => kit.Archiver(sinkOne, TimeProvider.System, "one", kit.OpenJournal()).DrainAsync(null, null, CancellationToken.None)),
            Task.Run(() => kit.Archiver(sinkTwo, TimeProvider.System, "two", kit.OpenJournal()).DrainAsync(null, null, CancellationToken.None)));

        Assert.Equal(count, summaries.Sum(s => s.Archived));
        Assert.Equal(count, (await ObjectStoreControl.ObjectsAsync(host)).Count);
        Assert.Equal(count, await ObjectStoreControl.CountRequestsAsync(host, "PUT", 200));
    }

    [Fact]
    public async Task A_drain_stops_after_the_store_fails_several_documents_in_a_row_and_leaves_the_rest_untouched()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        for (int i = 0; i < 5; i++) kit.EnqueueTransfer(kit.WriteFile($"d{i}.pdf", "%PDF-1.4 " + i), T0.AddSeconds(i));
        File.WriteAllText(kit.Destination, "down");
        time.Advance(TimeSpan.FromSeconds(10));

        DocumentDrainSummary summary = await kit.Archiver(new FileSystemDocumentSink(kit.Destination), time).DrainAsync(null, null, CancellationToken.None);

        Assert.Equal(3, summary.Failed);
        Assert.NotNull(summary.StoppedBecause);
        Assert.Equal(2, kit.Journal.Outbox.GetOutbox(OutboxState.Pending).Count(i => i.Attempts == 0));
    }

    [Fact]
    public async Task MaxItems_bounds_a_drain()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        for (int i = 0; i < 4; i++) kit.EnqueueTransfer(kit.WriteFile($"m{i}.pdf", "%PDF-1.4 " + i), T0.AddSeconds(i));
        time.Advance(TimeSpan.FromSeconds(10));

        DocumentDrainSummary summary = await kit.Archiver(new FileSystemDocumentSink(kit.Destination), time).DrainAsync(3, null, CancellationToken.None);

        Assert.Equal(3, summary.Archived);
        Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
    }

    [Fact]
    public async Task Stopping_mid_download_hands_the_item_back_at_once()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync();
        await ObjectStoreControl.CreateBucketAsync(host, "slow");
        using (var http = new HttpClient())
        {
            (await http.PutAsync(new Uri(host.BaseUri, "objectstore/slow/a.txt"), new ByteArrayContent(Encoding.ASCII.GetBytes("x")))).EnsureSuccessStatusCode();
        }

        await ObjectStoreControl.AddFaultAsync(host, new { route = "objectstore", method = "GET", count = 1, action = "hang", hangMs = 30000 });
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        kit.EnqueueAttachment(new Uri(host.BaseUri, "objectstore/slow/a.txt").ToString(), "att-9", "a.txt", T0);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kit.Archiver(new FileSystemDocumentSink(kit.Destination), time).DrainAsync(null, null, stop.Token));

        OutboxItem pending = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Null(pending.ClaimedBy);
        Assert.Equal(T0, pending.NextAttemptAt);
        Assert.Empty(Directory.GetFiles(Path.Combine(kit.Folder, "staging"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Backoff_doubles_per_attempt_with_jitter_and_stays_under_the_cap()
    {
        using var kit = new DocumentTestKit();
        DocumentArchiver archiver = kit.Archiver(new FileSystemDocumentSink(kit.Destination), TimeProvider.System, configure: o =>
        {
            o.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.RetryMaxDelay = TimeSpan.FromSeconds(80);
        });

        for (int attempt = 1; attempt <= 8; attempt++)
        {
            double full = Math.Min(80, 10 * Math.Pow(2, attempt - 1));
            TimeSpan[] delays = Enumerable.Range(0, 50).Select(_ => archiver.Backoff(attempt)).ToArray();
            Assert.All(delays, d => Assert.InRange(d.TotalSeconds, full / 2, full));
            Assert.True(delays.Distinct().Count() > 1, "the delays are jittered");
        }
    }

    /// <summary>A sink that fails in a way no sink is written to fail: a bug, as the archive meets one.</summary>
    private sealed class BrokenSink : IDocumentSink
    {
        public string Description => "a sink with a bug";

        public Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken) =>
            throw new NotSupportedException("a bug in the sink");

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task A_failure_nobody_foresaw_is_DocumentArchiveFailed_and_the_document_waits_in_the_outbox()
    {
        using var kit = new DocumentTestKit();
        var time = new FakeTimeProvider(T0);
        OutboxItem item = kit.EnqueueTransfer(kit.WriteFile("bug.pdf", "%PDF-1.4 met a bug"), T0);

        var outcomes = new List<DocumentArchiveOutcome>();
        await kit.Archiver(new BrokenSink(), time).DrainAsync(null, outcomes.Add, CancellationToken.None);

        DocumentArchiveOutcome outcome = Assert.Single(outcomes);
        Assert.False(outcome.Succeeded);
        Assert.Equal("DocumentArchiveFailed", outcome.Error!.ErrorCode);
        Assert.False(outcome.Error.IsTransient);
        Assert.IsType<NotSupportedException>(outcome.Error.InnerException);
        Assert.Contains(item.DocumentKey, outcome.Error.Message);
        Assert.Contains("a bug in the sink", outcome.Error.Message);
        // Nothing is dropped: the document waits for a later attempt, with the reason.
        OutboxItem pending = Assert.Single(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.StartsWith("DocumentArchiveFailed: ", pending.LastError);
        Assert.True(pending.NextAttemptAt > T0);
        JsonElement record = Assert.Single(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == "archive");
        Assert.Equal("retry", record.GetProperty("outcome").GetString());
        Assert.Equal("DocumentArchiveFailed", record.GetProperty("errorCode").GetString());
    }

    [Fact]
    public void An_SDK_failure_of_no_known_kind_is_DocumentArchiveFailed_in_either_store()
    {
        // The store answered (or never needed to), and the SDK failed anyway: neither a refusal nor an outage.
        var odd = new InvalidOperationException("the SDK could not read the answer");

        DocumentArchiveException s3 = S3DocumentSink.Translate(odd, "s3://archive/transfer/1/a.pdf", "stored");
        DocumentArchiveException azure = AzureBlobDocumentSink.Translate(odd, "https://dms.blob.core.windows.net/archive/transfer/1/a.pdf", "stored");

        foreach (DocumentArchiveException failure in new[] { s3, azure })
        {
            Assert.Equal("DocumentArchiveFailed", failure.ErrorCode);
            Assert.False(failure.IsTransient);
            Assert.Same(odd, failure.InnerException);
            Assert.Contains("the SDK could not read the answer", failure.Message);
        }

        Assert.Contains("s3://archive/transfer/1/a.pdf", s3.Message);
        Assert.Contains("https://dms.blob.core.windows.net/archive/transfer/1/a.pdf", azure.Message);
    }
}
