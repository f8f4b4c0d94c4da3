using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// What a whole journal promises beyond each role: a transition and its outbox item commit together or not at all, parallel writers on two instances lose nothing, and everything written is there after reopening; run against SQLite and PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class JournalContractTests
{
    private readonly PostgresServer _server;

    public JournalContractTests(PostgresServer server) => _server = server;

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_transition_whose_outbox_write_fails_leaves_the_transfer_and_its_history_unchanged(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        JournalTransfer transfer = Transfer("a.pdf", "Valid", T0);
        journal.Transfers.InsertOrGet(transfer, Entry("valid"), supersede: false, out _);
        OutboxItem broken = Item("transfer/" + transfer.TransferId, T0);
        broken.Source = null!;

        transfer.Status = "Delivered";
        Assert.Throws<TransferJournalException>(() => journal.Transfers.TryTransition(transfer, 0, Entry("delivered"), broken));

        JournalTransfer read = journal.Transfers.GetTransfer(transfer.TransferId)!;
        Assert.Equal("Valid", read.Status);
        Assert.Equal(0, read.Version);
        Assert.Equal(new[] { "valid" }, journal.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Parallel_writers_on_one_file_lose_nothing_and_each_version_is_taken_once(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal first = temp.Open();
        using ITransferJournal second = temp.Open();
        var transfers = Enumerable.Range(0, 40).Select(i => Transfer("file-" + i + ".pdf", "Created", T0.AddSeconds(i))).ToArray();
        int won = 0;

        // Every transfer is inserted twice (once per journal instance) and moved from version 0 twice: one insert and
        // one transition per transfer may succeed.
        Parallel.ForEach(transfers.Concat(transfers), new ParallelOptions { MaxDegreeOfParallelism = 6 }, (transfer, _, i) =>
        {
            ITransferJournal journal = i % 2 == 0 ? first : second;
            var copy = Copy(transfer);
            journal.Transfers.InsertOrGet(copy, Entry("created"), supersede: false, out bool _);
            copy.Status = "Uploaded";
            if (journal.Transfers.TryTransition(copy, 0, Entry("uploaded")) != null)
            {
                Interlocked.Increment(ref won);
            }
        });

        IReadOnlyList<JournalTransfer> stored = first.Transfers.QueryTransfers(new TransferQuery { Status = "Uploaded" });
        Assert.Equal(transfers.Length, stored.Count);
        Assert.Equal(transfers.Length, won);
        Assert.All(transfers, t => Assert.Equal(new[] { "created", "uploaded" }, first.Transfers.GetHistory(t.TransferId).Select(e => e.Event)));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Everything_written_is_there_after_reopening(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        JournalTransfer transfer = Transfer("kept.pdf", "Valid", T0);
        using (ITransferJournal journal = temp.Open())
        {
            journal.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(T0, "valid", "media-1", null), supersede: false, out _);
            journal.Events.TryRecordEvent("open-messaging", "event-1", T0);
            journal.Events.AdvanceMessageStatus("message-1", "Delivered", 2, T0);
            journal.Outbox.Enqueue(Item("transfer/kept", T0));
        }

        using ITransferJournal reopened = temp.Open();

        Assert.Equal("Valid", reopened.Transfers.GetTransfer(transfer.TransferId)!.Status);
        Assert.Equal("valid", Assert.Single(reopened.Transfers.GetHistory(transfer.TransferId)).Event);
        Assert.False(reopened.Events.TryRecordEvent("open-messaging", "event-1", T0));
        Assert.Equal("Delivered", reopened.Events.GetMessageStatus("message-1"));
        Assert.Equal("transfer/kept", Assert.Single(reopened.Outbox.GetOutbox(OutboxState.Pending)).DocumentKey);
    }
}
