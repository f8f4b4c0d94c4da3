using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Memory;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Transfers;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// The transfer store's contract (unique key, compare-and-set transitions, leases with fencing, lookups), run against
/// every store the engine can use: the SQLite journal, the PostgreSQL journal and the in-memory store of a connection
/// without a journal.
/// </summary>
[Collection(PostgresCollection.Name)]
public class TransferStoreContractTests
{
    private readonly PostgresServer _server;

    public TransferStoreContractTests(PostgresServer server) => _server = server;

    public static TheoryData<string> Stores => new() { "sqlite", "postgres", "memory" };

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_transfer_round_trips_every_field(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer written = Transfer("invoice.pdf", "Delivered", T0);
        written.PreviousMediaIds = new[] { "media-1", "media-2" };
        written.MessageId = "message-9";
        written.FailureReason = "a reason with 'quotes' and ünïcödé";
        written.LeaseOwner = "host/42/connection";
        written.LeaseUntil = T0.AddMinutes(2);

        JournalTransfer stored = store.Transfers.InsertOrGet(written, Entry("created"), supersede: false, out bool inserted);
        JournalTransfer read = store.Transfers.GetTransfer(written.TransferId)!;

        Assert.True(inserted);
        Assert.Equivalent(written, read, strict: true);
        Assert.Equivalent(written, stored, strict: true);
        Assert.Equal(0, read.Version);
        Assert.Equal(written.UpdatedAt.UtcTicks, read.UpdatedAt.UtcTicks);
        Assert.Null(store.Transfers.GetTransfer(Guid.NewGuid()));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void The_idempotency_key_is_unique_and_a_second_insert_returns_the_first_transfer(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer first = Transfer("a.pdf", "Pending", T0);
        JournalTransfer second = Transfer("a.pdf", "Pending", T0.AddMinutes(5));
        second.IdempotencyKey = first.IdempotencyKey;

        store.Transfers.InsertOrGet(first, Entry("recorded"), supersede: false, out bool firstInserted);
        JournalTransfer got = store.Transfers.InsertOrGet(second, Entry("recorded"), supersede: false, out bool secondInserted);

        Assert.True(firstInserted);
        Assert.False(secondInserted);
        Assert.Equal(first.TransferId, got.TransferId);
        Assert.Null(store.Transfers.GetTransfer(second.TransferId));
        Assert.Empty(store.Transfers.GetHistory(second.TransferId));
        Assert.Equal(first.TransferId, store.Transfers.FindByIdempotencyKey(first.IdempotencyKey)!.TransferId);
        Assert.Null(store.Transfers.FindByIdempotencyKey("sha256:none"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Superseding_gives_the_key_to_the_new_transfer_and_keeps_the_old_one_with_its_history(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer old = Transfer("a.pdf", "Delivered", T0);
        JournalTransfer fresh = Transfer("a.pdf", "Pending", T0.AddMinutes(5));
        fresh.IdempotencyKey = old.IdempotencyKey;
        store.Transfers.InsertOrGet(old, Entry("delivered"), supersede: false, out _);

        store.Transfers.InsertOrGet(fresh, Entry("recorded"), supersede: true, out bool inserted);

        Assert.True(inserted);
        Assert.Equal(fresh.TransferId, store.Transfers.FindByIdempotencyKey(old.IdempotencyKey)!.TransferId);
        JournalTransfer kept = store.Transfers.GetTransfer(old.TransferId)!;
        Assert.Equal("Delivered", kept.Status);
        Assert.StartsWith(old.IdempotencyKey + "|superseded-by:" + fresh.TransferId, kept.IdempotencyKey);
        Assert.Equal(new[] { "delivered", "superseded" }, store.Transfers.GetHistory(old.TransferId).Select(e => e.Event));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_transition_is_a_compare_and_set_on_the_version_with_its_history_and_outbox_item(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Valid", T0);
        store.Transfers.InsertOrGet(transfer, Entry("valid"), supersede: false, out _);

        transfer.Status = "Delivered";
        transfer.MessageId = "message-1";
        JournalTransfer? moved = store.Transfers.TryTransition(transfer, expectedVersion: 0, Entry("delivered"), Item("transfer/" + transfer.TransferId, T0));
        transfer.Status = "Valid";
        JournalTransfer? stale = store.Transfers.TryTransition(transfer, expectedVersion: 0, Entry("valid again"), Item("transfer/other", T0));

        Assert.NotNull(moved);
        Assert.Equal(1, moved!.Version);
        Assert.Equal("Delivered", moved.Status);
        Assert.Null(stale);
        JournalTransfer read = store.Transfers.GetTransfer(transfer.TransferId)!;
        Assert.Equal("Delivered", read.Status);
        Assert.Equal("message-1", read.MessageId);
        Assert.Equal(new[] { "valid", "delivered" }, store.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
        Assert.Equal(store.KeepsOutbox ? new[] { "transfer/" + transfer.TransferId } : Array.Empty<string>(), store.OutboxKeys());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_lease_is_exclusive_until_it_expires_or_is_released(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Created", T0);
        store.Transfers.InsertOrGet(transfer, Entry("created"), supersede: false, out _);
        TimeSpan lease = TimeSpan.FromMinutes(2);

        JournalTransfer? a = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-a", T0, lease);
        JournalTransfer? b = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-b", T0.AddMinutes(1), lease);
        JournalTransfer? again = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-a", T0.AddMinutes(1), lease);
        bool renewedByB = store.Transfers.RenewLease(transfer.TransferId, "worker-b", T0.AddMinutes(1), lease);
        JournalTransfer? afterExpiry = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-b", T0.AddMinutes(3).AddSeconds(1), lease);
        bool renewedByA = store.Transfers.RenewLease(transfer.TransferId, "worker-a", T0.AddMinutes(4), lease);
        store.Transfers.ReleaseLease(transfer.TransferId, "worker-a");
        string? ownerAfterForeignRelease = store.Transfers.GetTransfer(transfer.TransferId)!.LeaseOwner;
        store.Transfers.ReleaseLease(transfer.TransferId, "worker-b");
        JournalTransfer? c = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-c", T0.AddMinutes(4), lease);

        Assert.Equal("worker-a", a!.LeaseOwner);
        Assert.Equal(T0.AddMinutes(2), a.LeaseUntil);
        Assert.Null(b);
        Assert.Equal(T0.AddMinutes(3), again!.LeaseUntil);
        Assert.False(renewedByB);
        Assert.Equal("worker-b", afterExpiry!.LeaseOwner);
        Assert.False(renewedByA);
        Assert.Equal("worker-b", ownerAfterForeignRelease);
        Assert.Equal("worker-c", c!.LeaseOwner);
        Assert.Equal(new long[] { 1, 1, 2, 3 }, new[] { a.Version, again.Version, afterExpiry.Version, c.Version });
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void An_owner_whose_lease_was_taken_over_can_no_longer_move_the_transfer(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Valid", T0);
        store.Transfers.InsertOrGet(transfer, Entry("valid"), supersede: false, out _);
        JournalTransfer paused = store.Transfers.TryAcquireLease(transfer.TransferId, "worker-a", T0, TimeSpan.FromSeconds(30))!;
        store.Transfers.TryAcquireLease(transfer.TransferId, "worker-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30));

        paused.Status = "Delivering";
        JournalTransfer? late = store.Transfers.TryTransition(paused, paused.Version, Entry("delivering"));

        Assert.Null(late);
        Assert.Equal("Valid", store.Transfers.GetTransfer(transfer.TransferId)!.Status);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_media_id_finds_its_transfer_also_after_a_renewal(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Created", T0);
        transfer.MediaId = "media-old";
        store.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(T0, "created", "media-old", null), supersede: false, out _);
        transfer.MediaId = "media-new";
        transfer.PreviousMediaIds = new[] { "media-old" };
        store.Transfers.TryTransition(transfer, 0, new TransferHistoryEntry(T0, "renewed", "media-new", null));

        Assert.Equal(transfer.TransferId, store.Transfers.FindByMediaId("media-new")!.TransferId);
        Assert.Equal(transfer.TransferId, store.Transfers.FindByMediaId("media-old")!.TransferId);
        Assert.Null(store.Transfers.FindByMediaId("media-unknown"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Queries_filter_by_each_field_and_list_newest_first(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer a = Transfer("a.pdf", "Delivered", T0);
        JournalTransfer b = Transfer("b.pdf", "Failed", T0.AddMinutes(1));
        JournalTransfer c = Transfer("c.pdf", "Delivered", T0.AddMinutes(2));
        c.ConversationId = "other-conversation";
        foreach (JournalTransfer t in new[] { b, a, c })
        {
            store.Transfers.InsertOrGet(t, Entry("created"), supersede: false, out _);
        }

        Guid[] Ids(TransferQuery q) => store.Transfers.QueryTransfers(q).Select(t => t.TransferId).ToArray();

        Assert.Equal(new[] { c.TransferId, b.TransferId, a.TransferId }, Ids(new TransferQuery()));
        Assert.Equal(new[] { c.TransferId, a.TransferId }, Ids(new TransferQuery { Status = "Delivered" }));
        Assert.Equal(new[] { b.TransferId }, Ids(new TransferQuery { File = "b.pdf" }));
        Assert.Equal(new[] { b.TransferId }, Ids(new TransferQuery { File = b.FilePath }));
        Assert.Empty(Ids(new TransferQuery { File = "/elsewhere/b.pdf" }));
        Assert.Equal(new[] { a.TransferId }, Ids(new TransferQuery { Sha256 = a.Sha256.ToUpperInvariant() }));
        Assert.Equal(new[] { c.TransferId }, Ids(new TransferQuery { ConversationId = "other-conversation" }));
        Assert.Equal(new[] { c.TransferId, b.TransferId }, Ids(new TransferQuery { Since = T0.AddMinutes(1) }));
        Assert.Equal(new[] { c.TransferId }, Ids(new TransferQuery { Limit = 1 }));
        Assert.Equal(new[] { a.TransferId }, Ids(new TransferQuery { TransferId = a.TransferId }));
        Assert.Empty(Ids(new TransferQuery { TransferId = a.TransferId, Status = "Failed" }));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void History_comes_back_in_the_order_it_was_written(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Created", T0);
        JournalTransfer other = Transfer("b.pdf", "Created", T0);
        var entries = new[]
        {
            new TransferHistoryEntry(T0, "created", "media-1", "upload URL expires 2026-11-24 15:00:00Z"),
            new TransferHistoryEntry(T0.AddSeconds(1), "renewed", "media-2", null),
            // Same time as the previous one: order must come from the write, not the clock.
            new TransferHistoryEntry(T0.AddSeconds(1), "uploaded", "media-2", "4096 bytes"),
        };

        store.Transfers.InsertOrGet(transfer, entries[0], supersede: false, out _);
        store.Transfers.InsertOrGet(other, new TransferHistoryEntry(T0, "created", "x", null), supersede: false, out _);
        store.Transfers.TryTransition(transfer, 0, entries[1]);
        store.Transfers.TryTransition(transfer, 1, entries[2]);

        IReadOnlyList<TransferHistoryEntry> read = store.Transfers.GetHistory(transfer.TransferId);
        Assert.Equal(entries.Select(e => (e.Time, e.Event, e.MediaId, e.Detail)), read.Select(e => (e.Time, e.Event, e.MediaId, e.Detail)));
        Assert.Empty(store.Transfers.GetHistory(Guid.NewGuid()));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void History_times_and_lease_times_keep_every_tick(string kind)
    {
        using var store = new ContractStore(kind, _server);
        JournalTransfer transfer = Transfer("a.pdf", "Created", T0.AddTicks(1));
        transfer.LeaseOwner = "host/1/connection";
        transfer.LeaseUntil = T0.AddTicks(7654321);
        store.Transfers.InsertOrGet(transfer, new TransferHistoryEntry(T0.AddTicks(1234567), "created", null, null), supersede: false, out _);

        JournalTransfer read = store.Transfers.GetTransfer(transfer.TransferId)!;
        TransferHistoryEntry entry = Assert.Single(store.Transfers.GetHistory(transfer.TransferId));
        Assert.Equal(T0.AddTicks(1).UtcTicks, read.CreatedAt.UtcTicks);
        Assert.Equal(T0.AddTicks(7654321).UtcTicks, read.LeaseUntil!.Value.UtcTicks);
        Assert.Equal(T0.AddTicks(1234567).UtcTicks, entry.Time.UtcTicks);
        Assert.Null(entry.MediaId);
        Assert.Null(entry.Detail);
    }

    /// <summary>One store under test; the in-memory one keeps no outbox, as a connection without a journal does not.</summary>
    private sealed class ContractStore : IDisposable
    {
        private readonly JournalUnderTest? _temp;
        private readonly ITransferJournal? _journal;

        public ContractStore(string kind, PostgresServer server)
        {
            if (kind != "memory")
            {
                _temp = new JournalUnderTest(kind, server, nameof(TransferStoreContractTests));
                _journal = _temp.Open();
                Transfers = _journal.Transfers;
            }
            else
            {
                Transfers = new InMemoryTransferStore();
            }
        }

        public ITransferStore Transfers { get; }

        /// <summary>The outbox keys written with transitions; the in-memory store keeps none, so it reports what it was asked to queue nowhere.</summary>
        public IEnumerable<string> OutboxKeys() => _journal is null ? Array.Empty<string>() : _journal.Outbox.GetOutbox(null).Select(i => i.DocumentKey);

        public bool KeepsOutbox => _journal != null;

        public void Dispose()
        {
            _journal?.Dispose();
            _temp?.Dispose();
        }
    }
}
