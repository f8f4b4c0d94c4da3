using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// Write transactions that queue behind another are committed together, each in its own savepoint: one that fails is
/// rolled back alone, the others land, and every caller learns its own outcome.
/// </summary>
public sealed class SqliteGroupCommitTests
{
    private static int Insert(SqliteConnection connection, SqliteTransaction transaction, string messageId)
    {
        using SqliteCommand command = SqliteDatabase.Command(connection, transaction, "INSERT INTO message_status (message_id, status, rank, updated_at) VALUES ($id, 'Sent', 1, '2026-01-01T00:00:00.0000000Z');");
        SqliteDatabase.Bind(command, "$id", messageId);
        return command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Works_queued_behind_a_writer_commit_in_one_transaction_and_a_failing_one_is_rolled_back_alone()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        SqliteDatabase db = journal.Database;
        using var release = new ManualResetEventSlim();

        // The first writer holds the write turn until three more works have queued behind it.
        Task first = HoldWriteTurn(db, release);

        var transactions = new SqliteTransaction?[3];
        Task<int> good1 = Task.Run(() => db.InTransaction("insert good-1", (c, t) => { transactions[0] = t; return Insert(c, t, "good-1"); }));
        Task<int> bad = Task.Run(() => db.InTransaction("insert bad", (c, t) =>
        {
            transactions[1] = t;
            Insert(c, t, "bad");
            // The same key again violates the primary key after the first insert went in: the savepoint must undo both.
            return Insert(c, t, "bad");
        }));
        Task<int> good2 = Task.Run(() => db.InTransaction("insert good-2", (c, t) => { transactions[2] = t; return Insert(c, t, "good-2"); }));
        SpinWait.SpinUntil(() => QueuedWorks(db) == 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, QueuedWorks(db));
        release.Set();
        await first;

        Assert.Equal(1, await good1);
        Assert.Equal(1, await good2);
        var journalFailure = await Assert.ThrowsAsync<TransferJournalException>(() => bad);
        Assert.Contains("could not insert bad", journalFailure.Message);

        // One transaction held all three (they queued while the first was being written).
        Assert.NotNull(transactions[0]);
        Assert.Same(transactions[0], transactions[1]);
        Assert.Same(transactions[0], transactions[2]);

        Assert.Equal(3L, temp.Sql("SELECT COUNT(*) FROM message_status WHERE message_id IN ('first', 'good-1', 'good-2');"));
        Assert.Equal(0L, temp.Sql("SELECT COUNT(*) FROM message_status WHERE message_id = 'bad';"));
    }

    [Fact]
    public void A_lone_work_that_throws_records_nothing_and_its_caller_gets_the_exception()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();

        var thrown = Assert.Throws<InvalidOperationException>(() => journal.Database.InTransaction<int>("insert then fail", (c, t) =>
        {
            Insert(c, t, "lone");
            throw new InvalidOperationException("the work changed its mind");
        }));

        Assert.Equal("the work changed its mind", thrown.Message);
        Assert.Equal(0L, temp.Sql("SELECT COUNT(*) FROM message_status WHERE message_id = 'lone';"));
    }

    [Fact]
    public void Many_concurrent_events_are_each_recorded_once_with_their_outbox_items()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();

        // 400 callbacks from 16 threads, every event twice (a sender's retry): each is new exactly once.
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(int Event, bool IsNew)>();
        Parallel.For(0, 800, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            int n = i % 400;
            var record = new WebhookEventRecord("test", "event-" + n, T0);
            record.OutboxItems.Add(Item("attachment/doc-" + n, T0));
            outcomes.Add((n, journal.Events.RecordEvent(record).IsNew));
        });

        Assert.Equal(400, outcomes.Count(o => o.IsNew));
        Assert.All(outcomes.GroupBy(o => o.Event), g => Assert.Equal(1, g.Count(o => o.IsNew)));
        Assert.Equal(400L, temp.Sql("SELECT COUNT(*) FROM webhook_events;"));
        Assert.Equal(400L, temp.Sql("SELECT COUNT(*) FROM outbox;"));
    }

    [Fact]
    public async Task Events_recorded_asynchronously_behind_a_writer_wait_without_a_thread_and_are_each_recorded_once()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        SqliteDatabase db = journal.Database;
        using var release = new ManualResetEventSlim();
        Task first = HoldWriteTurn(db, release);

        // Twenty-one callbacks' records started from one thread while the writer holds its turn, event 0 twice as a
        // sender's retry would. Every call comes back unfinished at once; one that blocked would never come back.
        Task<WebhookEventRecorded>[] pending = await Task.Run(() => Enumerable.Range(0, 21).Select(i =>
        {
            int n = i == 20 ? 0 : i;
            var record = new WebhookEventRecord("test", "event-" + n, T0);
            record.OutboxItems.Add(Item("attachment/doc-" + n, T0));
            return journal.Events.RecordEventAsync(record);
        }).ToArray()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(pending, task => Assert.False(task.IsCompleted));
        Assert.Equal(21, QueuedWorks(db));
        Assert.Equal(0L, temp.Sql("SELECT COUNT(*) FROM webhook_events;"));

        release.Set();
        await first;
        WebhookEventRecorded[] results = await Task.WhenAll(pending);

        Assert.All(results.Take(20), r => Assert.True(r.IsNew));
        Assert.False(results[20].IsNew);
        Assert.Equal(new[] { false }, results[20].Enqueued);
        Assert.Equal(20L, temp.Sql("SELECT COUNT(*) FROM webhook_events;"));
        Assert.Equal(20L, temp.Sql("SELECT COUNT(*) FROM outbox;"));
    }

    [Fact]
    public async Task An_asynchronous_work_that_fails_in_SQLite_gives_a_journal_error_naming_the_file_and_the_action()
    {
        using var temp = new TempJournal();
        using SqliteTransferJournal journal = temp.Open();
        SqliteDatabase db = journal.Database;
        await db.InTransactionAsync("insert twice", (c, t) => Insert(c, t, "twice"));

        var failure = await Assert.ThrowsAsync<TransferJournalException>(() => db.InTransactionAsync("insert twice again", (c, t) => Insert(c, t, "twice")));

        Assert.Contains("could not insert twice again", failure.Message);
        Assert.Contains(db.Location, failure.Message);
        Assert.IsType<SqliteException>(failure.InnerException);
        Assert.Equal(1L, temp.Sql("SELECT COUNT(*) FROM message_status;"));
    }

    private static int QueuedWorks(SqliteDatabase db) => db.QueuedWrites;

    /// <summary>A writer that has taken the write turn (its work has started) and keeps it until <paramref name="release"/> is set; it then inserts "first".</summary>
    private static Task HoldWriteTurn(SqliteDatabase db, ManualResetEventSlim release)
    {
        using var holding = new ManualResetEventSlim();
        Task held = Task.Run(() => db.InTransaction("hold the write turn", (c, t) =>
        {
            holding.Set();
            release.Wait();
            return Insert(c, t, "first");
        }));
        holding.Wait();
        return held;
    }
}
