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

}
