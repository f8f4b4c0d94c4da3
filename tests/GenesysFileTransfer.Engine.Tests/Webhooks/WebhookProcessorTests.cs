using System.Text.Json;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Validation;
using GenesysFileTransfer.Engine.Webhooks;
using Microsoft.Extensions.Time.Testing;
using static GenesysFileTransfer.Engine.Tests.Webhooks.WebhookTestKit;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

public sealed class WebhookProcessorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeWebhookJournal _journal = new();
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly AuditLog _audit = AuditLog.Disabled();
    private readonly List<AuditRecord> _records = new();
    private readonly WebhookSecret _openSecret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
    private readonly WebhookSecret _standardSecret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);

    public WebhookProcessorTests()
    {
        _audit.Subscribe(record => { lock (_records) _records.Add(record); });
    }

    private WebhookProcessor Open(Action<WebhookOptions>? configure = null, ITransferJournal? journal = null)
    {
        var options = new WebhookOptions(WebhookScheme.OpenMessaging, _openSecret) { Time = _clock, CorrelationId = "test" };
        configure?.Invoke(options);
        return new WebhookProcessor(options, journal ?? _journal, _audit);
    }

    private WebhookProcessor OpenStandard() =>
        new(new WebhookOptions(WebhookScheme.StandardWebhooks, _standardSecret) { Time = _clock }, _journal, _audit);

    private WebhookHeaders StandardHeaders(string id, byte[] body, DateTimeOffset? at = null)
    {
        var ts = (at ?? Now).ToUnixTimeSeconds();
        return Headers(("webhook-id", id), ("webhook-timestamp", ts.ToString()), ("webhook-signature", StandardSignature(StandardKey, id, ts, body)));
    }

    private void AssertNothingRecorded()
    {
        Assert.Equal(0, _journal.EventCount);
        Assert.Empty(_journal.GetOutbox(null));
    }

    [Fact]
    public void Accepts_a_signed_attachment_and_puts_it_in_the_outbox_with_everything_the_archiver_needs()
    {
        var sha = new string('b', 64);
        var body = AttachmentMessage("msg-1", "media-1", "invoice.pdf", sha.ToUpperInvariant(), 4096);
        var result = Open(o => o.AttachmentMetadata = new TransferMetadata { StorageBucketReference = "3f2504e0-4f89-41d3-9a0c-0305e82c3301", AccessPolicy = new AccessPolicy { RetentionDays = 30 } })
            .Process(body, OpenHeaders(body));

        Assert.Equal(200, result.StatusCode);
        Assert.True(result.Accepted);
        Assert.False(result.Duplicate);
        Assert.Equal(WebhookOutcomes.Accepted, result.Outcome);
        Assert.Null(result.Reason);
        Assert.Equal("open-messaging", result.EventSource);
        Assert.Equal("msg-1", result.EventId);
        Assert.Equal(IntegrationId, result.IntegrationId);
        Assert.Equal(ConversationId, result.ConversationId);
        Assert.Contains("accepted", result.ResponseBody);

        var item = Assert.Single(_journal.GetOutbox(null));
        Assert.Equal($"attachment/{IntegrationId}/media-1", item.DocumentKey);
        Assert.Equal("attachment", item.Kind);
        Assert.Equal(AttachmentUrl("media-1"), item.Source);
        Assert.Equal("msg-1", item.MessageId);
        Assert.Equal("media-1", item.AttachmentId);
        Assert.Equal(ConversationId, item.ConversationId);
        Assert.Equal("invoice.pdf", item.FileName);
        Assert.Equal("application/pdf", item.ContentType);
        Assert.Equal(sha, item.Sha256);
        Assert.Equal(4096, item.Length);
        Assert.Equal(OutboxState.Pending, item.State);
        Assert.Equal(Now, item.EnqueuedAt);
        Assert.Equal(Now, item.NextAttemptAt);
        using (var metadata = JsonDocument.Parse(item.MetadataJson))
        {
            Assert.Equal("3f2504e0-4f89-41d3-9a0c-0305e82c3301", metadata.RootElement.GetProperty("storageBucketReference").GetString());
            Assert.Equal(30, metadata.RootElement.GetProperty("accessPolicy").GetProperty("retentionDays").GetInt32());
        }

        var view = Assert.Single(result.Attachments);
        Assert.True(view.Enqueued);
        Assert.Equal("https://media.example.test/genesys-media/media-1/invoice.pdf", view.Location);
        Assert.Contains(("open-messaging", "msg-1"), _journal.RecordedEvents);
    }

    [Fact]
    public void The_same_event_delivered_five_times_makes_one_outbox_item()
    {
        var processor = Open();
        var body = AttachmentMessage("msg-2", "media-2");
        var results = Enumerable.Range(0, 5).Select(_ => processor.Process(body, OpenHeaders(body))).ToArray();

        Assert.All(results, r => Assert.Equal(200, r.StatusCode));
        Assert.Equal(1, results.Count(r => r.Accepted));
        Assert.Equal(4, results.Count(r => r.Duplicate));
        Assert.True(results[0].Accepted);
        Assert.All(results.Skip(1), r => Assert.False(Assert.Single(r.Attachments).Enqueued));
        Assert.Single(_journal.GetOutbox(null));
        Assert.Equal(1, _journal.EventCount);
    }

    [Fact]
    public void A_forged_signature_gets_401_and_changes_nothing()
    {
        var body = AttachmentMessage("msg-3", "media-3");
        var result = Open().Process(body, OpenHeaders(body, "a-guessed-secret-value"));

        Assert.Equal(401, result.StatusCode);
        Assert.False(result.Accepted);
        Assert.Equal(WebhookOutcomes.Refused, result.Outcome);
        Assert.Equal(WebhookReasons.SignatureMismatch, result.Reason);
        Assert.Null(result.EventId);
        Assert.DoesNotContain("Mismatch", result.ResponseBody);
        AssertNothingRecorded();
    }

    [Fact]
    public void A_missing_signature_gets_401_and_changes_nothing()
    {
        var body = AttachmentMessage("msg-4", "media-4");
        var result = Open().Process(body, WebhookHeaders.Empty);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(WebhookReasons.SignatureMissing, result.Reason);
        AssertNothingRecorded();
    }

    [Fact]
    public void A_stale_standard_webhook_is_refused_and_changes_nothing()
    {
        var body = AttachmentMessage("msg-5", "media-5");
        var result = OpenStandard().Process(body, StandardHeaders("evt-stale", body, Now.AddMinutes(-6)));
        Assert.Equal(401, result.StatusCode);
        Assert.Equal(WebhookReasons.TimestampStale, result.Reason);
        AssertNothingRecorded();
    }

    [Fact]
    public void A_standard_webhook_uses_webhook_id_as_event_id_and_reads_the_message_from_data()
    {
        var message = JsonDocument.Parse(AttachmentMessage("msg-6", "media-6")).RootElement;
        var body = JsonSerializer.SerializeToUtf8Bytes(new { type = "message.outbound", timestamp = "2026-11-24T12:00:00Z", data = message });
        var processor = OpenStandard();

        var first = processor.Process(body, StandardHeaders("evt-6", body));
        var again = processor.Process(body, StandardHeaders("evt-6", body, Now.AddSeconds(5)));

        Assert.True(first.Accepted, first.Detail);
        Assert.Equal("standard-webhooks", first.EventSource);
        Assert.Equal("evt-6", first.EventId);
        Assert.Equal("msg-6", first.MessageId);
        Assert.True(again.Duplicate);
        Assert.Equal($"attachment/{IntegrationId}/media-6", Assert.Single(_journal.GetOutbox(null)).DocumentKey);
    }

    [Fact]
    public void A_standard_webhook_without_a_message_is_recorded_with_nothing_to_archive()
    {
        var body = Utf8("{\"type\":\"ping\",\"data\":{}}");
        var result = OpenStandard().Process(body, StandardHeaders("evt-ping", body));
        Assert.True(result.Accepted);
        Assert.Empty(result.Attachments);
        Assert.Equal(1, _journal.EventCount);
    }

    [Fact]
    public void An_oversized_body_gets_413_even_when_correctly_signed()
    {
        var body = AttachmentMessage("msg-7", "media-7");
        var result = Open(o => o.MaxBodyBytes = body.Length - 1).Process(body, OpenHeaders(body));
        Assert.Equal(413, result.StatusCode);
        Assert.Equal(WebhookReasons.BodyTooLarge, result.Reason);
        AssertNothingRecorded();
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"type\":\"Text\"}")]
    [InlineData("{\"id\":42}")]
    [InlineData("{\"id\":\"m\",\"content\":{}}")]
    [InlineData("{\"id\":\"m\",\"channel\":{\"id\":\"i\"},\"content\":[{\"contentType\":\"Attachment\"}]}")]
    [InlineData("{\"id\":\"m\",\"channel\":{\"id\":\"i\"},\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"a\"}}]}")]
    [InlineData("{\"id\":\"m\",\"channel\":{\"id\":\"i\"},\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"a\",\"url\":\"file:///etc/passwd\"}}]}")]
    [InlineData("{\"id\":\"m\",\"channel\":{\"id\":\"i\"},\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"../../x\",\"url\":\"https://h/x\"}}]}")]
    [InlineData("{\"id\":\"m\",\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"a\",\"url\":\"https://h/x\"}}]}")]
    [InlineData("{\"id\":\"m\",\"channel\":{\"id\":\"i\"},\"content\":[{\"contentType\":\"Attachment\",\"attachment\":{\"id\":\"a\",\"url\":\"https://h/x\",\"contentSizeBytes\":-1}}]}")]
    [InlineData("{\"id\":\"m\",\"type\":\"Receipt\"}")]
    [InlineData("{\"id\":\"m/../n\",\"type\":\"Text\"}")]
    public void An_authentic_but_malformed_body_gets_400_and_changes_nothing(string json)
    {
        var body = Utf8(json);
        var result = Open().Process(body, OpenHeaders(body));
        Assert.Equal(400, result.StatusCode);
        Assert.Equal(WebhookReasons.PayloadMalformed, result.Reason);
        Assert.NotNull(result.Detail);
        AssertNothingRecorded();
    }

    [Fact]
    public void Receipts_arriving_out_of_order_never_move_the_status_back()
    {
        var processor = Open();
        WebhookResult Send(string status)
        {
            var body = Receipt("msg-8", status);
            return processor.Process(body, OpenHeaders(body));
        }

        var delivered = Send("Delivered");
        var read = Send("Read");
        var lateSent = Send("Sent");
        var lateDelivered = Send("Delivered");

        Assert.Equal("msg-8:Delivered", delivered.EventId);
        Assert.True(delivered.Accepted);
        Assert.True(delivered.StatusAdvanced);
        Assert.True(read.Accepted);
        Assert.True(read.StatusAdvanced);
        Assert.True(lateSent.Accepted);
        Assert.False(lateSent.StatusAdvanced);
        Assert.Equal("Read", lateSent.MessageStatus);
        Assert.True(lateDelivered.Duplicate);
        Assert.False(lateDelivered.StatusAdvanced);
        Assert.Equal("Read", _journal.GetMessageStatus("msg-8"));
        Assert.All(new[] { delivered, read, lateSent, lateDelivered }, r => Assert.Equal(200, r.StatusCode));
    }

    [Fact]
    public void A_receipt_status_spelt_in_another_case_is_the_same_event()
    {
        var processor = Open();
        var first = Receipt("msg-9", "Delivered");
        var second = Receipt("msg-9", "delivered");
        Assert.True(processor.Process(first, OpenHeaders(first)).Accepted);
        var again = processor.Process(second, OpenHeaders(second));
        Assert.True(again.Duplicate);
        Assert.Equal("msg-9:Delivered", again.EventId);
    }

    [Fact]
    public void An_unknown_receipt_status_is_acknowledged_but_changes_no_status()
    {
        var body = Receipt("msg-10", "Teleported");
        var result = Open().Process(body, OpenHeaders(body));
        Assert.True(result.Accepted);
        Assert.False(result.StatusAdvanced);
        Assert.Null(_journal.GetMessageStatus("msg-10"));
        Assert.Contains("Teleported", result.Detail);
    }

    [Fact]
    public void A_journal_failure_answers_500_and_the_retry_completes_the_event_once()
    {
        var processor = Open();
        var body = AttachmentMessage("msg-11", "media-11");
        _journal.FailNext(nameof(IEventLedger.RecordEvent));

        var failed = processor.Process(body, OpenHeaders(body));
        var retried = processor.Process(body, OpenHeaders(body));
        var duplicate = processor.Process(body, OpenHeaders(body));

        Assert.Equal(500, failed.StatusCode);
        Assert.Equal(WebhookReasons.JournalUnavailable, failed.Reason);
        Assert.Equal(WebhookOutcomes.Failed, failed.Outcome);
        // Nothing was recorded by the failed call; the retry (what Genesys does after a 500) records the event and
        // its attachment together, so it is accepted, not taken for a duplicate.
        Assert.True(retried.Accepted);
        Assert.True(Assert.Single(retried.Attachments).Enqueued);
        Assert.True(duplicate.Duplicate);
        Assert.Single(_journal.GetOutbox(null));
    }

    [Fact]
    public void A_failing_outbox_write_rolls_back_the_event_and_the_retry_enqueues()
    {
        var processor = Open();
        var body = AttachmentMessage("msg-12", "media-12");
        _journal.FailNext(nameof(IDocumentOutbox.Enqueue));

        Assert.Equal(500, processor.Process(body, OpenHeaders(body)).StatusCode);
        AssertNothingRecorded();
        var retried = processor.Process(body, OpenHeaders(body));
        Assert.True(retried.Accepted);
        Assert.True(Assert.Single(retried.Attachments).Enqueued);
    }

    [Fact]
    public void Audits_every_callback_with_its_outcome_and_never_the_secret_or_a_url_query()
    {
        var processor = Open();
        var body = AttachmentMessage("msg-13", "media-13");
        processor.Process(body, OpenHeaders(body), new WebhookRequestInfo { Target = "/genesys/", RemoteAddress = "127.0.0.1", Method = "POST" });
        processor.Process(body, OpenHeaders(body));
        processor.Process(body, OpenHeaders(body, "forged-forged-forged"));

        AuditRecord[] records;
        lock (_records) records = _records.ToArray();
        var callbacks = records.Where(r => r.Operation == WebhookAuditOperations.Receive).ToArray();
        Assert.Equal(new[] { AuditOutcomes.Success, WebhookAuditOperations.DuplicateOutcome, AuditOutcomes.Refused }, callbacks.Select(r => r.Outcome));
        Assert.Equal(new int?[] { 200, 200, 401 }, callbacks.Select(r => r.HttpStatus));
        Assert.All(callbacks, r => Assert.True(r.LatencyMs >= 0));
        Assert.Equal("/genesys/", callbacks[0].Target);
        Assert.Equal("media-13", callbacks[0].MediaId);
        Assert.Equal(WebhookReasons.SignatureMismatch, callbacks[2].ErrorCode);
        var enqueue = Assert.Single(records, r => r.Operation == WebhookAuditOperations.Enqueue);
        Assert.Equal("https://media.example.test/genesys-media/media-13/invoice.pdf", enqueue.Target);

        var everything = JsonSerializer.Serialize(records);
        Assert.DoesNotContain(OpenSecret, everything);
        Assert.DoesNotContain("X-Amz-Signature", everything);
        Assert.DoesNotContain("deadbeefcafe", everything);
    }

    [Fact]
    public void Normalises_the_announced_sha256_to_lower_case_hex()
    {
        var bytes = System.Security.Cryptography.SHA256.HashData("content"u8);
        var hex = Convert.ToHexString(bytes).ToLowerInvariant();
        var fromBase64 = AttachmentMessage("msg-14", "media-14", sha256: Convert.ToBase64String(bytes));
        var bogus = AttachmentMessage("msg-15", "media-15", sha256: "not-a-hash");
        var processor = Open();
        processor.Process(fromBase64, OpenHeaders(fromBase64));
        processor.Process(bogus, OpenHeaders(bogus));
        var items = _journal.GetOutbox(null).ToDictionary(i => i.AttachmentId!);
        Assert.Equal(hex, items["media-14"].Sha256);
        Assert.Null(items["media-15"].Sha256);
    }

    [Fact]
    public async Task Two_listeners_sharing_a_sqlite_journal_make_one_outbox_item_per_attachment()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gft-webhooks-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(folder, "journal.db");
        try
        {
            using var first = SqliteTransferJournal.Open(path);
            using var second = SqliteTransferJournal.Open(path);
            var processors = new[] { Open(journal: first), Open(journal: second) };
            var bodies = Enumerable.Range(1, 10).Select(i => AttachmentMessage($"msg-c{i}", $"media-c{i}")).ToArray();

            // Every event three times to each processor, all at once.
            var work = from body in bodies
                       from processor in processors
                       from copy in Enumerable.Range(0, 3)
                       select Task.Run(() => processor.Process(body, OpenHeaders(body)));
            var results = await Task.WhenAll(work);

            Assert.All(results, r => Assert.Equal(200, r.StatusCode));
            Assert.Equal(bodies.Length, results.Count(r => r.Accepted));
            var outbox = first.Outbox.GetOutbox(null);
            Assert.Equal(bodies.Length, outbox.Count);
            Assert.Equal(bodies.Length, outbox.Select(i => i.DocumentKey).Distinct().Count());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Callbacks_waiting_for_the_journal_hold_no_thread_and_each_is_recorded_and_audited_once_it_is_written()
    {
        var folder = Path.Combine(Path.GetTempPath(), "gft-webhooks-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var journal = SqliteTransferJournal.Open(Path.Combine(folder, "journal.db"));
            using var audit = AuditLog.Open(Path.Combine(folder, "audit"), key: null);
            var processor = new WebhookProcessor(new WebhookOptions(WebhookScheme.OpenMessaging, _openSecret) { Time = _clock }, journal, audit);
            using var holding = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            Task held = Task.Run(() => journal.Database.InTransaction("hold the write turn", (c, t) =>
            {
                holding.Set();
                release.Wait();
                return 0;
            }));
            holding.Wait();

            // Ten callbacks started from one thread while another writer holds the journal: each comes back at once,
            // unanswered; one that blocked its thread would never come back, since nothing releases the writer until then.
            var bodies = Enumerable.Range(1, 10).Select(i => AttachmentMessage($"msg-w{i}", $"media-w{i}")).ToArray();
            Task<WebhookResult>[] pending = await Task.Run(() => bodies.Select(body => processor.ProcessAsync(body, OpenHeaders(body))).ToArray())
                .WaitAsync(TimeSpan.FromSeconds(30));
            Assert.All(pending, task => Assert.False(task.IsCompleted));
            Assert.Empty(journal.Outbox.GetOutbox(null));

            release.Set();
            await held;
            WebhookResult[] results = await Task.WhenAll(pending);

            Assert.All(results, r => Assert.True(r.Accepted));
            Assert.Equal(10, journal.Outbox.GetOutbox(null).Count);
            string[] lines = File.ReadAllLines(audit.CurrentFile!);
            Assert.Equal(10, lines.Count(l => l.Contains("\"operation\":\"webhook\"") && l.Contains("\"outcome\":\"success\"")));
            Assert.Equal(10, lines.Count(l => l.Contains("\"operation\":\"enqueue\"")));
            Assert.True(AuditLogVerifier.Verify(audit.CurrentFile!, key: null).Intact);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    public void Dispose()
    {
        _openSecret.Dispose();
        _standardSecret.Dispose();
        _audit.Dispose();
    }
}
