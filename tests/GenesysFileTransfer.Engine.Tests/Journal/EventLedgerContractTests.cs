using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// The event ledger's contract (each webhook event recorded once across threads and journal instances, message statuses that only move forward), run against every journal store: SQLite and PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class EventLedgerContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 14, 45, 53, TimeSpan.Zero);
    private readonly PostgresServer _server;

    public EventLedgerContractTests(PostgresServer server) => _server = server;

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void An_event_is_recorded_once_per_source(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();

        Assert.True(journal.Events.TryRecordEvent("open-messaging", "event-1", T0));
        Assert.False(journal.Events.TryRecordEvent("open-messaging", "event-1", T0.AddSeconds(5)));
        Assert.True(journal.Events.TryRecordEvent("standard-webhooks", "event-1", T0));
        Assert.True(journal.Events.TryRecordEvent("open-messaging", "event-2", T0));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void The_same_event_from_many_threads_and_two_journal_instances_is_accepted_exactly_once(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal first = temp.Open();
        using ITransferJournal second = temp.Open();
        int accepted = 0;

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if ((i % 2 == 0 ? first : second).Events.TryRecordEvent("open-messaging", "retried-event", T0))
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(1, accepted);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_message_status_only_moves_forward(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();

        Assert.Null(journal.Events.GetMessageStatus("message-1"));
        Assert.True(journal.Events.AdvanceMessageStatus("message-1", "Sent", 1, T0));
        Assert.True(journal.Events.AdvanceMessageStatus("message-1", "Read", 3, T0.AddSeconds(2)));
        Assert.False(journal.Events.AdvanceMessageStatus("message-1", "Delivered", 2, T0.AddSeconds(1)));
        Assert.False(journal.Events.AdvanceMessageStatus("message-1", "Read again", 3, T0.AddSeconds(3)));

        Assert.Equal("Read", journal.Events.GetMessageStatus("message-1"));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Recording_an_event_writes_its_outbox_items_and_status_together_and_a_duplicate_writes_nothing(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("attachment/taken"));

        WebhookEventRecorded first = journal.Events.RecordEvent(Record("event-1", "message-1", "Delivered", 2, Item("attachment/a"), Item("attachment/taken")));
        WebhookEventRecorded duplicate = journal.Events.RecordEvent(Record("event-1", "message-1", "Read", 3, Item("attachment/b")));

        Assert.True(first.IsNew);
        Assert.Equal(new[] { true, false }, first.Enqueued);
        Assert.True(first.StatusAdvanced);
        Assert.Equal("Delivered", first.MessageStatus);
        Assert.False(duplicate.IsNew);
        Assert.Equal(new[] { false }, duplicate.Enqueued);
        Assert.False(duplicate.StatusAdvanced);
        // The duplicate reports the stored status, and neither its item nor its (higher) status was written.
        Assert.Equal("Delivered", duplicate.MessageStatus);
        Assert.Equal("Delivered", journal.Events.GetMessageStatus("message-1"));
        Assert.Equal(new[] { "attachment/a", "attachment/taken" }, journal.Outbox.GetOutbox(null).Select(i => i.DocumentKey).OrderBy(k => k, StringComparer.Ordinal));
        Assert.False(journal.Events.TryRecordEvent("open-messaging", "event-1", T0));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Recording_an_event_moves_the_status_only_forward(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();

        WebhookEventRecorded read = journal.Events.RecordEvent(Record("message-1:Read", "message-1", "Read", 3));
        WebhookEventRecorded lateDelivered = journal.Events.RecordEvent(Record("message-1:Delivered", "message-1", "Delivered", 2));
        WebhookEventRecorded unranked = journal.Events.RecordEvent(Record("message-1:Teleported", "message-1", "Teleported", null));

        Assert.True(read.StatusAdvanced);
        Assert.True(lateDelivered.IsNew);
        Assert.False(lateDelivered.StatusAdvanced);
        Assert.Equal("Read", lateDelivered.MessageStatus);
        Assert.True(unranked.IsNew);
        Assert.False(unranked.StatusAdvanced);
        Assert.Equal("Read", unranked.MessageStatus);
        Assert.Equal("Read", journal.Events.GetMessageStatus("message-1"));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_failing_outbox_write_rolls_back_the_event_id_so_the_retry_is_new(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        OutboxItem broken = Item("attachment/broken");
        broken.FileName = null!; // the store refuses an item without a file name

        Assert.Throws<TransferJournalException>(() => journal.Events.RecordEvent(Record("event-1", "message-1", "Delivered", 2, Item("attachment/a"), broken)));

        Assert.Empty(journal.Outbox.GetOutbox(null));
        Assert.Null(journal.Events.GetMessageStatus("message-1"));
        WebhookEventRecorded retried = journal.Events.RecordEvent(Record("event-1", "message-1", "Delivered", 2, Item("attachment/a"), Item("attachment/b")));
        Assert.True(retried.IsNew);
        Assert.Equal(new[] { true, true }, retried.Enqueued);
        Assert.Equal("Delivered", retried.MessageStatus);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void The_same_event_recorded_from_many_threads_and_two_journal_instances_enqueues_once(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal first = temp.Open();
        using ITransferJournal second = temp.Open();
        int accepted = 0;
        int enqueued = 0;

        Parallel.For(0, 12, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
        {
            WebhookEventRecorded result = (i % 2 == 0 ? first : second).Events.RecordEvent(Record("retried-event", null, null, null, Item("attachment/" + i)));
            if (result.IsNew)
            {
                Interlocked.Increment(ref accepted);
            }

            if (result.Enqueued[0])
            {
                Interlocked.Increment(ref enqueued);
            }
        });

        Assert.Equal(1, accepted);
        Assert.Equal(1, enqueued);
        Assert.Single(first.Outbox.GetOutbox(null));
    }

    private static WebhookEventRecord Record(string eventId, string? messageId, string? status, int? rank, params OutboxItem[] items)
    {
        var record = new WebhookEventRecord("open-messaging", eventId, T0) { MessageId = messageId, Status = status, StatusRank = rank };
        foreach (OutboxItem item in items)
        {
            record.OutboxItems.Add(item);
        }

        return record;
    }

    private static OutboxItem Item(string key) => new()
    {
        DocumentKey = key,
        Kind = "attachment",
        ConversationId = "conversation-1",
        MessageId = "message-1",
        AttachmentId = key,
        Source = "https://media.example.test/" + key,
        FileName = "invoice.pdf",
        ContentType = "application/pdf",
        Sha256 = new string('a', 64),
        Length = 2048,
        MetadataJson = "{}",
        State = OutboxState.Pending,
        EnqueuedAt = T0,
        NextAttemptAt = T0,
    };
}
