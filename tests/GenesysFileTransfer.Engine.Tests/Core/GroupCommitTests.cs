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

    [Fact]
    public async Task Items_queued_during_a_batch_form_the_next_batch_and_each_caller_returns_after_its_own_was_written()
    {
        var batches = new List<string[]>();
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        GroupCommit<Item>? group = null;
        group = new GroupCommit<Item>(items =>
        {
            lock (batches)
            {
                batches.Add(items.Select(i => i.Name).ToArray());
                foreach (Item item in items) item.Batch = batches.Count;
            }

            if (batches.Count == 1)
            {
                firstStarted.Set();
                releaseFirst.Wait();
            }
        });

        var first = new Item("first");
        Task firstCall = Task.Run(() => group.Submit(first));
        firstStarted.Wait();

        var queued = Enumerable.Range(1, 5).Select(i => new Item("queued-" + i)).ToArray();
        var returnedUnwritten = new ConcurrentBag<string>();
        Task[] calls = queued.Select(item => Task.Run(() =>
        {
            group.Submit(item);
            if (item.Batch == 0) returnedUnwritten.Add(item.Name);
        })).ToArray();
        SpinWait.SpinUntil(() => group.Queued == 5, TimeSpan.FromSeconds(30));
        Assert.Equal(5, group.Queued);

        releaseFirst.Set();
        await firstCall;
        await Task.WhenAll(calls);

        Assert.Equal(2, batches.Count);
        Assert.Equal(new[] { "first" }, batches[0]);
        Assert.Equal(queued.Select(i => i.Name).OrderBy(n => n), batches[1].OrderBy(n => n));
        Assert.Empty(returnedUnwritten);
        Assert.Equal(0, group.Queued);
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
}
