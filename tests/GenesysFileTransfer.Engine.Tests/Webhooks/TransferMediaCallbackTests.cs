using System.Text.Json;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Tests.Documents;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Webhooks;
using Microsoft.Extensions.Time.Testing;
using static GenesysFileTransfer.Engine.Tests.Webhooks.WebhookTestKit;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

/// <summary>
/// A callback announcing media that a transfer of this module delivered is that transfer's document: one outbox item
/// under <c>transfer/{id}</c>, whichever of the delivery and the callback comes first; other media keep their
/// attachment key.
/// </summary>
public sealed class TransferMediaCallbackTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private const string TransferMetadataJson = "{\"storageBucketReference\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\",\"accessPolicy\":{\"retentionDays\":30}}";

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly AuditLog _audit = AuditLog.Disabled();
    private readonly List<AuditRecord> _records = new();
    private readonly WebhookSecret _secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);

    public TransferMediaCallbackTests() => _audit.Subscribe(record => { lock (_records) _records.Add(record); });

    private WebhookProcessor Processor(ITransferJournal journal) =>
        new(new WebhookOptions(WebhookScheme.OpenMessaging, _secret) { Time = _clock, CorrelationId = "test" }, journal, _audit);

    private static JournalTransfer Transfer(string mediaId, string fileName, string path, string sha256, long length, params string[] previousMediaIds) => new()
    {
        TransferId = Guid.NewGuid(),
        IdempotencyKey = Guid.NewGuid().ToString("N"),
        ConversationId = ConversationId,
        CommunicationId = "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        FilePath = path,
        FileName = fileName,
        Length = length,
        ContentType = "application/pdf",
        Sha256 = sha256,
        ContentMd5 = "md5",
        MediaId = mediaId,
        Status = "Delivered",
        MessageId = "msg-of-" + mediaId,
        MetadataJson = TransferMetadataJson,
        PreviousMediaIds = previousMediaIds,
        CreatedAt = Now.AddMinutes(-1),
        UpdatedAt = Now.AddMinutes(-1),
    };

    [Fact]
    public void A_callback_for_a_transfers_media_queues_the_transfers_document_from_the_journal_with_the_url_as_a_second_source()
    {
        var journal = new FakeWebhookJournal();
        JournalTransfer transfer = Transfer("media-7", "contract.pdf", "/outbox/contract.pdf", new string('d', 64), 5120);
        journal.AddTransfer(transfer);
        byte[] body = AttachmentMessage("msg-of-media-7", "media-7", "renamed-by-genesys.pdf", sha256: new string('a', 64), size: 999);

        WebhookResult result = Processor(journal).Process(body, OpenHeaders(body));

        Assert.Equal(200, result.StatusCode);
        OutboxItem item = Assert.Single(journal.GetOutbox(null));
        Assert.Equal("transfer/" + transfer.TransferId, item.DocumentKey);
        Assert.Equal("transfer", item.Kind);
        Assert.Equal(transfer.TransferId, item.TransferId);
        Assert.Equal("/outbox/contract.pdf", item.Source);
        Assert.Equal(AttachmentUrl("media-7"), item.FallbackSource);
        // The journal's facts, not the callback's: the file that was sent is the document.
        Assert.Equal("contract.pdf", item.FileName);
        Assert.Equal(new string('d', 64), item.Sha256);
        Assert.Equal(5120, item.Length);
        Assert.Equal(TransferMetadataJson, item.MetadataJson);
        Assert.Equal("msg-of-media-7", item.MessageId);
        Assert.Equal("media-7", item.AttachmentId);
        WebhookAttachment view = Assert.Single(result.Attachments);
        Assert.Equal(item.DocumentKey, view.DocumentKey);
        Assert.Equal(transfer.TransferId, view.TransferId);
        Assert.True(view.Enqueued);
        AuditRecord enqueue = Assert.Single(_records, r => r.Operation == WebhookAuditOperations.Enqueue);
        Assert.Equal(transfer.TransferId, enqueue.TransferId);
        Assert.DoesNotContain("deadbeefcafe", JsonSerializer.Serialize(_records));
    }

    [Fact]
    public void Media_the_journal_does_not_know_keeps_its_attachment_key()
    {
        var journal = new FakeWebhookJournal();
        journal.AddTransfer(Transfer("media-ours", "a.pdf", "/outbox/a.pdf", new string('d', 64), 10));
        byte[] body = AttachmentMessage("customer-msg", "customer-media");

        WebhookResult result = Processor(journal).Process(body, OpenHeaders(body));

        OutboxItem item = Assert.Single(journal.GetOutbox(null));
        Assert.Equal($"attachment/{IntegrationId}/customer-media", item.DocumentKey);
        Assert.Equal("attachment", item.Kind);
        Assert.Null(item.TransferId);
        Assert.Null(item.FallbackSource);
        Assert.Null(Assert.Single(result.Attachments).TransferId);
    }

    [Fact]
    public void When_the_delivery_queued_the_document_first_the_callback_adds_nothing()
    {
        var journal = new FakeWebhookJournal();
        JournalTransfer transfer = Transfer("media-8", "b.pdf", "/outbox/b.pdf", new string('e', 64), 20);
        journal.AddTransfer(transfer);
        Assert.True(journal.Enqueue(new OutboxItem { DocumentKey = "transfer/" + transfer.TransferId, Kind = "transfer", TransferId = transfer.TransferId, Source = "/outbox/b.pdf", FileName = "b.pdf", EnqueuedAt = Now, NextAttemptAt = Now }));
        byte[] body = AttachmentMessage("msg-8", "media-8");

        WebhookResult result = Processor(journal).Process(body, OpenHeaders(body));

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("transfer/" + transfer.TransferId, Assert.Single(journal.GetOutbox(null)).DocumentKey);
        Assert.False(Assert.Single(result.Attachments).Enqueued);
        Assert.DoesNotContain(_records, r => r.Operation == WebhookAuditOperations.Enqueue);
    }

    [Fact]
    public void Media_replaced_by_a_renewal_still_belongs_to_its_transfer()
    {
        using var folder = new DocumentTestKit("sqlite");
        JournalTransfer transfer = Transfer("media-new", "c.pdf", "/outbox/c.pdf", new string('f', 64), 30, "media-old");
        folder.Journal.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(Now, "created", "media-old", null), supersede: false, out _);
        byte[] body = AttachmentMessage("msg-old", "media-old");

        Processor(folder.Journal).Process(body, OpenHeaders(body));

        Assert.Equal("transfer/" + transfer.TransferId, Assert.Single(folder.Journal.Outbox.GetOutbox(null)).DocumentKey);
    }

    [Fact]
    public async Task N_delivered_files_announced_by_callbacks_make_exactly_N_documents_in_the_store()
    {
        using var kit = new DocumentTestKit("sqlite");
        var transfers = new List<JournalTransfer>();
        for (int i = 0; i < 4; i++)
        {
            string path = kit.WriteFile($"file-{i}.pdf", "%PDF-1.4 file " + i);
            JournalTransfer transfer = Transfer("media-" + i, Path.GetFileName(path), path, DocumentTestKit.Sha256Of(path), new FileInfo(path).Length);
            kit.Journal.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(Now, "created", transfer.MediaId, null), supersede: false, out _);
            transfers.Add(transfer);
        }

        // Two deliveries queue their document before their callback arrives; the others after it.
        foreach (JournalTransfer transfer in transfers.Take(2))
        {
            kit.EnqueueTransfer(transfer.FilePath, Now, transfer.Sha256, transfer.TransferId);
        }

        WebhookProcessor processor = Processor(kit.Journal);
        foreach (JournalTransfer transfer in transfers)
        {
            byte[] body = AttachmentMessage(transfer.MessageId!, transfer.MediaId!);
            Assert.Equal(200, processor.Process(body, OpenHeaders(body)).StatusCode);
            Assert.Equal(200, processor.Process(body, OpenHeaders(body)).StatusCode);
        }

        foreach (JournalTransfer transfer in transfers.Skip(2))
        {
            Assert.False(kit.Journal.Outbox.Enqueue(new OutboxItem { DocumentKey = "transfer/" + transfer.TransferId, Kind = "transfer", Source = transfer.FilePath, FileName = transfer.FileName, EnqueuedAt = Now, NextAttemptAt = Now }));
        }

        DocumentDrainSummary summary = await kit.Archiver(new FileSystemDocumentSink(kit.Destination), _clock).DrainAsync(null, null, CancellationToken.None);

        Assert.Equal(4, summary.Archived);
        IReadOnlyList<string> stored = DocumentTestKit.FilesUnder(kit.Destination).Where(f => !f.EndsWith(".metadata.json", StringComparison.Ordinal)).ToList();
        Assert.Equal(transfers.Select(t => $"transfer/{t.TransferId}/{t.FileName}").OrderBy(f => f, StringComparer.Ordinal), stored);
        Assert.Empty(kit.Journal.Outbox.GetOutbox(OutboxState.Pending));
    }

    public void Dispose()
    {
        _secret.Dispose();
        _audit.Dispose();
    }
}
