using System.Collections.Concurrent;
using GenesysFileTransfer.Engine.Concurrency;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>Items that queue behind a batch being written are written together next, and nobody returns early.</summary>
public sealed class GroupCommitTests
{
    private sealed class Item
    {
        public Item(string name) => Name = name;
        public string Name { get; }
        public int Batch { get; set; }
    }

    /// <summary>
    /// A group whose writer records each batch's item names (and numbers the items by batch), with a first item,
    /// submitted by a blocking caller, whose batch is held until <see cref="Release"/> is set.
    /// </summary>
    private sealed class HeldFirstBatch : IDisposable
    {
        private readonly ManualResetEventSlim _started = new();
        private bool _firstDone;

        public HeldFirstBatch()
        {
            Group = new GroupCommit<Item>(items =>
            {
                lock (Batches)
                {
                    Batches.Add(items.Select(i => i.Name).ToArray());
                    foreach (Item item in items) item.Batch = Batches.Count;
                }

                if (Batches.Count == 1 && !_firstDone)
                {
                    _firstDone = true;
                    _started.Set();
                    Release.Wait();
                    return;
                }

                OnBatch?.Invoke();
            });
            FirstCall = Task.Run(() => Group.Submit(new Item("first")));
            _started.Wait();
        }

        public List<string[]> Batches { get; } = new();
        public GroupCommit<Item> Group { get; }
        public ManualResetEventSlim Release { get; } = new();
        public Task FirstCall { get; }

        /// <summary>Runs in every batch after the first, on the writing thread.</summary>
        public Action? OnBatch { get; set; }

        public void Dispose()
        {
            Release.Set();
            _started.Dispose();
        }
    }

    [Fact]
    public async Task Items_queued_during_a_batch_form_the_next_batch_and_each_caller_returns_after_its_own_was_written()
    {
        using var held = new HeldFirstBatch();

        var queued = Enumerable.Range(1, 5).Select(i => new Item("queued-" + i)).ToArray();
        var returnedUnwritten = new ConcurrentBag<string>();
        Task[] calls = queued.Select(item => Task.Run(() =>
        {
            held.Group.Submit(item);
            if (item.Batch == 0) returnedUnwritten.Add(item.Name);
        })).ToArray();
        SpinWait.SpinUntil(() => held.Group.Queued == 5, TimeSpan.FromSeconds(30));
        Assert.Equal(5, held.Group.Queued);

        held.Release.Set();
        await held.FirstCall;
        await Task.WhenAll(calls);

        Assert.Equal(2, held.Batches.Count);
        Assert.Equal(new[] { "first" }, held.Batches[0]);
        Assert.Equal(queued.Select(i => i.Name).OrderBy(n => n), held.Batches[1].OrderBy(n => n));
        Assert.Empty(returnedUnwritten);
        Assert.Equal(0, held.Group.Queued);
    }

    [Fact]
    public void Many_concurrent_callers_each_see_their_item_written_exactly_once()
    {
        var written = new ConcurrentDictionary<int, int>();
        var group = new GroupCommit<int>(items =>
        {
            foreach (int item in items) written.AddOrUpdate(item, 1, (_, count) => count + 1);
            Thread.Sleep(1);
        });

        var missing = new ConcurrentBag<int>();
        Parallel.For(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            group.Submit(i);
            if (!written.ContainsKey(i)) missing.Add(i);
        });

        Assert.Empty(missing);
        Assert.Equal(500, written.Count);
        Assert.All(written.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Asynchronous_callers_queued_behind_a_batch_hold_no_thread_and_complete_once_the_next_batch_is_written()
    {
        using var held = new HeldFirstBatch();

        // Forty submissions from one thread while the first batch is held: each returns an unfinished task at once. A
        // submit that blocked would never come back, since nothing releases the first batch until all have returned.
        var queued = Enumerable.Range(1, 40).Select(i => new Item("queued-" + i)).ToArray();
        Task[] pending = await Task.Run(() => queued.Select(item => held.Group.SubmitAsync(item)).ToArray()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(pending, task => Assert.False(task.IsCompleted));
        Assert.Equal(40, held.Group.Queued);
        Assert.All(queued, item => Assert.Equal(0, item.Batch));

        held.Release.Set();
        await Task.WhenAll(pending);
        await held.FirstCall;

        Assert.Equal(2, held.Batches.Count);
        Assert.Equal(queued.Select(i => i.Name).OrderBy(n => n), held.Batches[1].OrderBy(n => n));
        Assert.All(queued, item => Assert.Equal(2, item.Batch));
    }

    [Fact]
    public async Task An_asynchronous_caller_with_nobody_writing_writes_its_batch_before_SubmitAsync_returns()
    {
        int writingThread = -1;
        var group = new GroupCommit<Item>(items => writingThread = Environment.CurrentManagedThreadId);

        Task done = group.SubmitAsync(new Item("alone"));

        Assert.True(done.IsCompletedSuccessfully);
        Assert.Equal(Environment.CurrentManagedThreadId, writingThread);
        await done;
    }

    [Fact]
    public async Task Blocking_and_asynchronous_callers_share_one_queue_and_each_item_is_written_exactly_once()
    {
        var written = new ConcurrentDictionary<int, int>();
        var group = new GroupCommit<int>(items =>
        {
            foreach (int item in items) written.AddOrUpdate(item, 1, (_, count) => count + 1);
            Thread.Sleep(1);
        });

        var missing = new ConcurrentBag<int>();
        Task[] callers = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            if (i % 2 == 0)
            {
                group.Submit(i);
            }
            else
            {
                await group.SubmitAsync(i);
            }

            if (!written.ContainsKey(i)) missing.Add(i);
        })).ToArray();
        await Task.WhenAll(callers);

        Assert.Empty(missing);
        Assert.Equal(400, written.Count);
        Assert.All(written.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task A_batch_that_throws_faults_the_task_of_the_caller_who_wrote_it_and_the_others_see_their_items_as_written()
    {
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        int batches = 0;
        var group = new GroupCommit<Item>(items =>
        {
            int number = Interlocked.Increment(ref batches);
            foreach (Item item in items) item.Batch = number;
            if (number == 1)
            {
                firstStarted.Set();
                releaseFirst.Wait();
                throw new InvalidOperationException("the disk went away");
            }
        });

        Task first = Task.Run(() => group.SubmitAsync(new Item("first")));
        firstStarted.Wait();
        var follower = new Item("follower");
        Task following = group.SubmitAsync(follower);
        releaseFirst.Set();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        Assert.Equal("the disk went away", failure.Message);
        await following;
        Assert.Equal(2, follower.Batch);
    }

    [Fact]
    public async Task The_next_batch_goes_to_a_blocked_caller_rather_than_to_an_asynchronous_one_queued_before_it()
    {
        using var held = new HeldFirstBatch();
        int writerOfSecond = -1;
        var asynchronous = new Item("asynchronous");
        var blocking = new Item("blocking");
        Task first = held.Group.SubmitAsync(asynchronous);
        int blockingThread = -1;
        var thread = new Thread(() =>
        {
            blockingThread = Environment.CurrentManagedThreadId;
            held.Group.Submit(blocking);
        });
        thread.Start();
        SpinWait.SpinUntil(() => held.Group.Queued == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, held.Group.Queued);

        // Whoever writes the second batch records its thread (the first batch's writer records nothing more).
        held.Batches.Clear();
        held.OnBatch = () => writerOfSecond = Environment.CurrentManagedThreadId;
        held.Release.Set();
        await first;
        thread.Join();

        Assert.Equal(new[] { "asynchronous", "blocking" }, held.Batches.Single());
        Assert.Equal(blockingThread, writerOfSecond);
    }
}
