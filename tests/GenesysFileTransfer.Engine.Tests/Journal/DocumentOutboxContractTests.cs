using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Transfers;
using static GenesysFileTransfer.Engine.Tests.Journal.JournalTestData;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// The document outbox's contract (one item per key, claims under a lease that two claimers never share, retries, source-missing items set aside, operator resets and abandons that leave a leased item alone), run against every journal store: SQLite and PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DocumentOutboxContractTests
{
    private readonly PostgresServer _server;

    public DocumentOutboxContractTests(PostgresServer server) => _server = server;

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Enqueueing_the_same_document_key_twice_keeps_the_first_item(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        OutboxItem item = Item("transfer/1", T0);

        Assert.True(journal.Outbox.Enqueue(item));
        Assert.False(journal.Outbox.Enqueue(Item("transfer/1", T0.AddMinutes(1), source: "/somewhere/else.pdf")));

        OutboxItem stored = Assert.Single(journal.Outbox.GetOutbox(null));
        Assert.Equivalent(item, stored, strict: true);
        Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Empty(journal.Outbox.GetOutbox(OutboxState.Archived));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Every_field_of_an_item_round_trips_with_its_times_to_the_tick_and_its_empty_fields_empty(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        OutboxItem full = Item("attachment/full", T0.AddTicks(1), T0.AddTicks(1234567));
        full.Kind = "attachment";
        full.AttachmentId = "attachment-7";
        full.State = OutboxState.Quarantined;
        full.Attempts = 3;
        full.LastError = "FileInfected: Eicar-Test-Signature (clamd)";
        full.ClaimedBy = "worker-a";
        full.LeaseUntil = T0.AddTicks(9999999);
        full.StoredLocation = "archive/2026/11/invoice.pdf";
        full.ArchivedAt = T0.AddTicks(7654321);
        full.FallbackSource = "https://media.example.test/m/x.pdf";
        full.StateReason = "because";
        full.StateChangedBy = "ops@host";
        full.StateChangedAt = T0.AddTicks(3);
        var empty = new OutboxItem
        {
            DocumentKey = "attachment/empty",
            Kind = "attachment",
            Source = "https://media.example.test/m/y.pdf",
            FileName = "y.pdf",
            EnqueuedAt = T0,
            NextAttemptAt = T0,
        };

        Assert.True(journal.Outbox.Enqueue(full));
        Assert.True(journal.Outbox.Enqueue(empty));

        Assert.Equivalent(full, journal.Outbox.GetItem(full.DocumentKey), strict: true);
        Assert.Equivalent(empty, journal.Outbox.GetItem(empty.DocumentKey), strict: true);
        Assert.Equal(full.NextAttemptAt.UtcTicks, journal.Outbox.GetItem(full.DocumentKey)!.NextAttemptAt.UtcTicks);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_claim_takes_the_oldest_due_item_and_holds_it_for_the_lease(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("later", T0, nextAttemptAt: T0.AddMinutes(10)));
        journal.Outbox.Enqueue(Item("second", T0.AddSeconds(2)));
        journal.Outbox.Enqueue(Item("first", T0.AddSeconds(1)));

        OutboxItem claimed = journal.Outbox.ClaimNext("worker-a", T0.AddMinutes(1), TimeSpan.FromMinutes(2))!;

        Assert.Equal("first", claimed.DocumentKey);
        Assert.Equal("worker-a", claimed.ClaimedBy);
        Assert.Equal(T0.AddMinutes(3), claimed.LeaseUntil);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal("second", journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(2))!.DocumentKey);
        Assert.Null(journal.Outbox.ClaimNext("worker-c", T0.AddMinutes(1), TimeSpan.FromMinutes(2)));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void An_expired_lease_can_be_claimed_by_another_worker_and_the_first_can_no_longer_finish(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("crashed-worker", T0, TimeSpan.FromMinutes(1));

        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddSeconds(59), TimeSpan.FromMinutes(1)));
        OutboxItem reclaimed = journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(1))!;

        Assert.Equal("worker-b", reclaimed.ClaimedBy);
        Assert.Equal(2, reclaimed.Attempts);
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "crashed-worker", "/dms/late-copy.pdf", T0.AddMinutes(2)));
        Assert.True(journal.Outbox.MarkArchived("transfer/1", "worker-b", "/dms/invoice.pdf", T0.AddMinutes(2)));
        OutboxItem archived = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Archived));
        Assert.Equal("/dms/invoice.pdf", archived.StoredLocation);
        Assert.Equal(T0.AddMinutes(2), archived.ArchivedAt);
        Assert.Null(archived.LeaseUntil);
        Assert.Null(journal.Outbox.ClaimNext("worker-c", T0.AddDays(1), TimeSpan.FromMinutes(1)));
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-b", "/dms/again.pdf", T0.AddMinutes(3)));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Archiving_forgets_the_signature_of_a_signed_source_and_the_second_source(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        OutboxItem item = Item("attachment/int-1/media-1", T0, source: "https://api.mypurecloud.ie/media/photo.jpg?X-Amz-Signature=deadbeef&X-Amz-Expires=600");
        item.FallbackSource = "https://api.mypurecloud.ie/media/photo.jpg?X-Amz-Signature=cafe";
        journal.Outbox.Enqueue(item);
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(1));

        Assert.True(journal.Outbox.MarkArchived(item.DocumentKey, "worker-a", "/dms/photo.jpg", T0.AddSeconds(5)));

        OutboxItem archived = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Archived));
        Assert.Equal("https://api.mypurecloud.ie/media/photo.jpg", archived.Source);
        Assert.Null(archived.FallbackSource);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Quarantine_sets_a_claimed_item_aside_for_good_with_its_reason_and_forgets_signed_sources(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        OutboxItem item = Item("attachment/int-1/media-2", T0, source: "https://api.mypurecloud.ie/media/x.pdf?X-Amz-Signature=deadbeef");
        journal.Outbox.Enqueue(item);
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(1));

        Assert.False(journal.Outbox.MarkQuarantined(item.DocumentKey, "worker-b", "FileInfected: Eicar-Test-Signature (clamd)", T0.AddSeconds(1)));
        Assert.True(journal.Outbox.MarkQuarantined(item.DocumentKey, "worker-a", "FileInfected: Eicar-Test-Signature (clamd)", T0.AddSeconds(1)));

        OutboxItem quarantined = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Quarantined));
        Assert.Equal("FileInfected: Eicar-Test-Signature (clamd)", quarantined.StateReason);
        Assert.Equal("https://api.mypurecloud.ie/media/x.pdf", quarantined.Source);
        Assert.Null(quarantined.ClaimedBy);
        Assert.Null(journal.Outbox.ClaimNext("worker-c", T0.AddDays(1), TimeSpan.FromMinutes(1)));
        Assert.Empty(journal.Outbox.GetOutbox(OutboxState.Pending));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_retry_releases_the_item_until_its_next_attempt(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(Item("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        Assert.False(journal.Outbox.MarkRetry("transfer/1", "worker-b", "not mine", T0.AddMinutes(1)));
        Assert.True(journal.Outbox.MarkRetry("transfer/1", "worker-a", "the share is offline", T0.AddMinutes(1)));

        OutboxItem released = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Null(released.ClaimedBy);
        Assert.Null(released.LeaseUntil);
        Assert.Equal("the share is offline", released.LastError);
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddSeconds(59), TimeSpan.FromMinutes(5)));
        Assert.Equal("worker-b", journal.Outbox.ClaimNext("worker-b", T0.AddMinutes(1), TimeSpan.FromMinutes(5))!.ClaimedBy);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public async Task Two_claimers_on_separate_connections_never_get_the_same_item(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal setup = temp.Open();
        const int count = 120;
        for (int i = 0; i < count; i++)
        {
            setup.Outbox.Enqueue(Item("doc/" + i.ToString("D3"), T0.AddMilliseconds(i)));
        }

        using ITransferJournal first = temp.Open();
        using ITransferJournal second = temp.Open();
        var claims = new System.Collections.Concurrent.ConcurrentBag<(string Worker, string Key)>();
        using var start = new Barrier(2);

        void Claim(ITransferJournal journal, string worker)
        {
            start.SignalAndWait();
            while (journal.Outbox.ClaimNext(worker, T0.AddMinutes(1), TimeSpan.FromHours(1)) is { } item)
            {
                claims.Add((worker, item.DocumentKey));
                // Gives the other claimer a turn even on a loaded machine, so both really compete for the rest.
                Thread.Sleep(1);
            }
        }

        Task a = Task.Factory.StartNew(() => Claim(first, "worker-a"), TaskCreationOptions.LongRunning);
        Task b = Task.Factory.StartNew(() => Claim(second, "worker-b"), TaskCreationOptions.LongRunning);
        await Task.WhenAll(a, b);

        Assert.Equal(count, claims.Count);
        Assert.Equal(count, claims.Select(c => c.Key).Distinct().Count());
        Assert.Contains(claims, c => c.Worker == "worker-a");
        Assert.Contains(claims, c => c.Worker == "worker-b");
        Assert.All(setup.Outbox.GetOutbox(OutboxState.Pending), item => Assert.Equal(claims.Single(c => c.Key == item.DocumentKey).Worker, item.ClaimedBy));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void The_new_fields_and_every_state_round_trip(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        foreach (OutboxState state in new[] { OutboxState.Pending, OutboxState.Archived, OutboxState.SourceMissing, OutboxState.Abandoned })
        {
            OutboxItem item = OperatorItem("doc/" + state, T0);
            item.State = state;
            item.FallbackSource = "https://media.example.test/m/x.pdf?X-Amz-Signature=abc";
            item.StateReason = "because " + state;
            item.StateChangedBy = "ops@host";
            item.StateChangedAt = T0.AddMinutes(1);
            Assert.True(journal.Outbox.Enqueue(item));
        }

        foreach (OutboxState state in new[] { OutboxState.Pending, OutboxState.Archived, OutboxState.SourceMissing, OutboxState.Abandoned })
        {
            OutboxItem read = Assert.Single(journal.Outbox.GetOutbox(state));
            Assert.Equal("doc/" + state, read.DocumentKey);
            Assert.Equal(state, read.State);
            Assert.Equal("https://media.example.test/m/x.pdf?X-Amz-Signature=abc", read.FallbackSource);
            Assert.Equal("because " + state, read.StateReason);
            Assert.Equal("ops@host", read.StateChangedBy);
            Assert.Equal(T0.AddMinutes(1), read.StateChangedAt);
            Assert.Equal(state, journal.Outbox.GetItem("doc/" + state)!.State);
        }

        Assert.Null(journal.Outbox.GetItem("doc/none"));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_source_missing_item_is_set_aside_by_its_worker_only_and_never_claimed_again(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(OperatorItem("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        Assert.False(journal.Outbox.MarkSourceMissing("transfer/1", "worker-b", "not mine", T0));
        Assert.True(journal.Outbox.MarkSourceMissing("transfer/1", "worker-a", "DocumentSourceNotFound: the file is gone", T0.AddSeconds(1)));

        OutboxItem missing = Assert.Single(journal.Outbox.GetOutbox(OutboxState.SourceMissing));
        Assert.Equal("DocumentSourceNotFound: the file is gone", missing.StateReason);
        Assert.Equal("DocumentSourceNotFound: the file is gone", missing.LastError);
        Assert.Equal("worker-a", missing.StateChangedBy);
        Assert.Null(missing.LeaseUntil);
        Assert.Empty(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddDays(30), TimeSpan.FromMinutes(5)));
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-a", "/dms/late.pdf", T0.AddSeconds(2)));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void A_reset_makes_a_source_missing_item_due_now_and_claimable(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(OperatorItem("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        journal.Outbox.MarkSourceMissing("transfer/1", "worker-a", "gone", T0);
        DateTimeOffset later = T0.AddHours(3);

        OutboxChangeResult result = journal.Outbox.Reset("transfer/1", "ops@host", later);

        Assert.Equal(OutboxChange.Changed, result.Change);
        Assert.Equal(OutboxState.Pending, result.Item!.State);
        Assert.Equal(later, result.Item.NextAttemptAt);
        Assert.Equal("ops@host", result.Item.StateChangedBy);
        Assert.Null(result.Item.StateReason);
        Assert.Equal("gone", result.Item.LastError);
        Assert.Equal("transfer/1", journal.Outbox.ClaimNext("worker-b", later, TimeSpan.FromMinutes(5))!.DocumentKey);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Reset_and_abandon_leave_an_item_under_a_live_lease_alone_and_take_it_once_the_lease_is_over(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(OperatorItem("transfer/1", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));

        OutboxChangeResult reset = journal.Outbox.Reset("transfer/1", "ops@host", T0.AddMinutes(4));
        OutboxChangeResult abandon = journal.Outbox.Abandon("transfer/1", "duplicate upload", "ops@host", T0.AddMinutes(4));

        Assert.Equal(OutboxChange.Leased, reset.Change);
        Assert.Equal(OutboxChange.Leased, abandon.Change);
        Assert.Equal("worker-a", journal.Outbox.GetItem("transfer/1")!.ClaimedBy);
        Assert.Equal(OutboxState.Pending, journal.Outbox.GetItem("transfer/1")!.State);

        OutboxChangeResult late = journal.Outbox.Abandon("transfer/1", "duplicate upload", "ops@host", T0.AddMinutes(6));

        Assert.Equal(OutboxChange.Changed, late.Change);
        Assert.Equal(OutboxState.Abandoned, late.Item!.State);
        Assert.Equal("duplicate upload", late.Item.StateReason);
        Assert.Equal("ops@host", late.Item.StateChangedBy);
        Assert.Equal(T0.AddMinutes(6), late.Item.StateChangedAt);
        // The worker whose lease ran out can no longer record it as archived.
        Assert.False(journal.Outbox.MarkArchived("transfer/1", "worker-a", "/dms/late.pdf", T0.AddMinutes(7)));
        Assert.Null(journal.Outbox.ClaimNext("worker-b", T0.AddDays(1), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public void Archived_and_abandoned_items_are_final_and_unknown_keys_are_reported(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal journal = temp.Open();
        journal.Outbox.Enqueue(OperatorItem("transfer/archived", T0));
        journal.Outbox.ClaimNext("worker-a", T0, TimeSpan.FromMinutes(5));
        journal.Outbox.MarkArchived("transfer/archived", "worker-a", "/dms/a.pdf", T0);
        journal.Outbox.Enqueue(OperatorItem("transfer/abandoned", T0));
        journal.Outbox.Abandon("transfer/abandoned", "test file", "ops@host", T0);

        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Reset("transfer/archived", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Abandon("transfer/archived", "x", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotAllowed, journal.Outbox.Reset("transfer/abandoned", "ops@host", T0.AddHours(1)).Change);
        Assert.Equal(OutboxChange.NotFound, journal.Outbox.Reset("transfer/none", "ops@host", T0).Change);
        Assert.Null(journal.Outbox.Abandon("transfer/none", "x", "ops@host", T0).Item);
        Assert.Equal("/dms/a.pdf", journal.Outbox.GetItem("transfer/archived")!.StoredLocation);
        Assert.Equal("test file", journal.Outbox.GetItem("transfer/abandoned")!.StateReason);
    }

    [Theory]
    [MemberData(nameof(JournalUnderTest.Kinds), MemberType = typeof(JournalUnderTest))]
    public async Task Abandons_racing_claims_on_another_connection_never_abandon_an_item_a_worker_took(string kind)
    {
        using var temp = new JournalUnderTest(kind, _server, GetType().Name);
        using ITransferJournal setup = temp.Open();
        for (int i = 0; i < 40; i++)
        {
            setup.Outbox.Enqueue(OperatorItem("doc/" + i.ToString("D2"), T0.AddMilliseconds(i)));
        }

        using ITransferJournal workerJournal = temp.Open();
        using ITransferJournal adminJournal = temp.Open();
        var claimed = new List<string>();
        var abandoned = new List<string>();
        Task worker = Task.Run(() =>
        {
            while (workerJournal.Outbox.ClaimNext("worker", T0.AddMinutes(1), TimeSpan.FromHours(1)) is { } item)
            {
                claimed.Add(item.DocumentKey);
            }
        });
        Task admin = Task.Run(() =>
        {
            for (int i = 39; i >= 0; i--)
            {
                OutboxChangeResult result = adminJournal.Outbox.Abandon("doc/" + i.ToString("D2"), "race", "ops@host", T0.AddMinutes(1));
                if (result.Change == OutboxChange.Changed) abandoned.Add(result.Item!.DocumentKey);
                else Assert.Equal(OutboxChange.Leased, result.Change);
            }
        });
        await Task.WhenAll(worker, admin);

        Assert.Empty(claimed.Intersect(abandoned));
        Assert.Equal(40, claimed.Count + abandoned.Count);
        Assert.Equal(abandoned.OrderBy(k => k), setup.Outbox.GetOutbox(OutboxState.Abandoned).Select(i => i.DocumentKey).OrderBy(k => k));
    }

    private static OutboxItem OperatorItem(string key, DateTimeOffset enqueuedAt) => new()
    {
        DocumentKey = key,
        Kind = "transfer",
        TransferId = Guid.NewGuid(),
        Source = "/data/outbox/invoice.pdf",
        FileName = "invoice.pdf",
        ContentType = "application/pdf",
        Sha256 = new string('c', 64),
        Length = 10,
        MetadataJson = "{}",
        State = OutboxState.Pending,
        EnqueuedAt = enqueuedAt,
        NextAttemptAt = enqueuedAt,
    };
}
