using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Tests.Core;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Tests.Journal;

/// <summary>
/// The journal seen through the transfer lifecycle: every step is recorded, and a later session (a new connection
/// on the same journal file) resumes a transfer where the earlier one left it.
/// </summary>
public class TransferResumeTests
{
    [Fact]
    public async Task Every_step_is_recorded_and_the_delivered_file_is_handed_to_the_outbox()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        string path = session.WritePdf();

        FileTransfer transfer = await RunToDeliveredAsync(connection, session.Request(path));

        ITransferJournal journal = connection.Journal!;
        Assert.Equal(journalPath, journal.Location);
        JournalTransfer record = journal.Transfers.GetTransfer(transfer.TransferId)!;
        Assert.Equal("Delivered", record.Status);
        Assert.Equal(transfer.MessageId, record.MessageId);
        Assert.Equal(transfer.MediaId, record.MediaId);
        Assert.Equal(transfer.IdempotencyKey, record.IdempotencyKey);
        Assert.Contains(transfer.Sha256, record.IdempotencyKey);
        Assert.Contains(transfer.ConversationId, record.IdempotencyKey);
        Assert.Contains(transfer.CommunicationId, record.IdempotencyKey);
        Assert.Equal(new[] { "recorded", "created", "uploaded", "valid", "delivering", "delivered" }, journal.Transfers.GetHistory(transfer.TransferId).Select(e => e.Event));
        OutboxItem item = Assert.Single(journal.Outbox.GetOutbox(OutboxState.Pending));
        Assert.Equal("transfer/" + transfer.TransferId, item.DocumentKey);
        Assert.Equal("transfer", item.Kind);
        Assert.Equal(path, item.Source);
        Assert.Equal(transfer.Sha256, item.Sha256);
        Assert.Equal(transfer.Length, item.Length);
        Assert.Equal("invoice.pdf", item.FileName);
        Assert.Equal("application/pdf", item.ContentType);
        Assert.Equal(transfer.MessageId, item.MessageId);
        Assert.Contains("3f2504e0-4f89-41d3-9a0c-0305e82c3301", item.MetadataJson);
    }

    [Fact]
    public async Task A_delivered_file_is_not_sent_again_in_a_later_session()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        FileTransfer first = await RunToDeliveredAsync(await session.ConnectAsync(journalPath: journalPath), session.Request(path));
        session.Connection!.Dispose();
        int requestsBefore = ApiRequests(session);

        GenesysConnection later = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer again = await RunToDeliveredAsync(later, session.Request(path));

        Assert.Equal(first.TransferId, again.TransferId);
        Assert.True(again.Resumed);
        Assert.Equal(TransferStatus.Delivered, again.Status);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(first.History.Select(e => e.Event), again.History.Select(e => e.Event));
        Assert.Single(session.Host.State.Messages);
        Assert.Single(session.Host.State.Media);
        Assert.Equal(requestsBefore, ApiRequests(session));
        Assert.Single(later.Journal!.Outbox.GetOutbox(null));
    }

    [Fact]
    public async Task A_created_transfer_resumes_with_a_fresh_upload_url_and_its_history()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        FileTransfer first = await (await session.ConnectAsync(journalPath: journalPath)).Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        session.Connection!.Dispose();

        GenesysConnection later = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer resumed = await later.Transfers.CreateAsync(session.Request(path), CancellationToken.None);

        Assert.Equal(first.TransferId, resumed.TransferId);
        Assert.True(resumed.Resumed);
        Assert.Equal(TransferStatus.Created, resumed.Status);
        Assert.NotEqual(first.MediaId, resumed.MediaId);
        Assert.Equal(new[] { first.MediaId! }, resumed.PreviousMediaIds);
        Assert.NotNull(resumed.UploadUrl);
        Assert.Equal(new[] { "recorded", "created", "renewed" }, resumed.History.Select(e => e.Event));
        await RunToDeliveredAsync(later, session.Request(path));
        Assert.Equal(TransferStatus.Delivered, resumed.Status);
        Assert.Equal(resumed.MediaId, Assert.Single(Assert.Single(session.Host.State.Messages).MediaIds));
        Assert.Single(session.Host.State.Requests, r => r.Method == "PUT");
        Assert.Equal(new[] { "recorded", "created", "renewed", "uploaded", "valid", "delivering", "delivered" }, later.Journal!.Transfers.GetHistory(resumed.TransferId).Select(e => e.Event));
    }

    [Fact]
    public async Task An_uploaded_transfer_resumes_by_waiting_and_delivering_without_uploading_again()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        await connection.Transfers.UploadAsync(first, null, null, CancellationToken.None);
        connection.Dispose();

        FileTransfer resumed = await RunToDeliveredAsync(await session.ConnectAsync(journalPath: journalPath), session.Request(path));

        Assert.Equal(first.TransferId, resumed.TransferId);
        Assert.Equal(first.MediaId, resumed.MediaId);
        Assert.Equal(TransferStatus.Delivered, resumed.Status);
        Assert.Single(session.Host.State.Requests, r => r.Method == "PUT");
        Assert.Single(session.Host.State.Media);
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task A_valid_transfer_resumes_with_the_delivery_only()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        await connection.Transfers.UploadAsync(first, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(first, new ScanWaitOptions(), null, CancellationToken.None);
        connection.Dispose();
        session.Host.State.ClearRequests();

        GenesysConnection later = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer resumed = await later.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        Assert.Equal(TransferStatus.Valid, resumed.Status);
        await later.Transfers.DeliverAsync(resumed, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, resumed.Status);
        Assert.Equal(new[] { "token", "messages" }, session.Host.State.Requests.Select(r => r.Route));
    }

    [Fact]
    public async Task A_failed_upload_resumes_with_a_renewal_and_a_new_upload()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        await session.AddFaultAsync(new { route = "s3", count = 1, action = "status", status = 400 });
        await Assert.ThrowsAsync<UploadRejectedException>(() => connection.Transfers.UploadAsync(first, null, null, CancellationToken.None));
        Assert.Equal("Failed", connection.Journal!.Transfers.GetTransfer(first.TransferId)!.Status);
        connection.Dispose();

        FileTransfer resumed = await RunToDeliveredAsync(await session.ConnectAsync(journalPath: journalPath), session.Request(path));

        Assert.Equal(first.TransferId, resumed.TransferId);
        Assert.Equal(TransferStatus.Delivered, resumed.Status);
        Assert.Equal(new[] { first.MediaId! }, resumed.PreviousMediaIds);
        Assert.Equal(new[] { "recorded", "created", "failed", "renewed", "uploaded", "valid", "delivering", "delivered" }, resumed.History.Select(e => e.Event));
    }

    [Fact]
    public async Task Media_genesys_marked_invalid_is_returned_as_invalid_without_a_new_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WriteText("eicar.txt", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        await connection.Transfers.UploadAsync(first, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(first, new ScanWaitOptions(), null, CancellationToken.None);
        Assert.Equal(TransferStatus.Invalid, first.Status);
        connection.Dispose();
        int requestsBefore = ApiRequests(session);

        FileTransfer resumed = await (await session.ConnectAsync(journalPath: journalPath)).Transfers.CreateAsync(session.Request(path), CancellationToken.None);

        Assert.Equal(TransferStatus.Invalid, resumed.Status);
        Assert.Equal(first.FailureReason, resumed.FailureReason);
        Assert.Equal(requestsBefore, ApiRequests(session));
    }

    [Fact]
    public async Task Starting_new_ignores_the_recorded_transfer_and_the_next_lookup_finds_the_newest()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        string path = session.WritePdf();
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer first = await RunToDeliveredAsync(connection, session.Request(path));

        CreateTransferRequest fresh = session.Request(path);
        fresh.StartNew = true;
        FileTransfer second = await connection.Transfers.CreateAsync(fresh, CancellationToken.None);
        FileTransfer found = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);

        Assert.NotEqual(first.TransferId, second.TransferId);
        Assert.Equal(TransferStatus.Created, second.Status);
        Assert.Same(second, found);
        Assert.Equal(2, connection.Journal!.Transfers.QueryTransfers(new TransferQuery { Sha256 = first.Sha256 }).Count);
    }

    [Fact]
    public async Task A_different_conversation_is_a_different_transfer()
    {
        await using var session = await EmulatorSession.StartAsync();
        GenesysConnection connection = await session.ConnectAsync(journalPath: Path.Combine(session.Folder, "journal.db"));
        string path = session.WritePdf();
        var other = session.Host.State.CreateConversation();
        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);

        FileTransfer elsewhere = await connection.Transfers.CreateAsync(
            new CreateTransferRequest(new GenesysFileTransfer.Engine.Validation.FileCandidate(path, null, EmulatorSession.Metadata), other.ConversationId, other.CommunicationId, GenesysFileTransfer.Engine.Validation.FileUploadPolicy.Default),
            CancellationToken.None);

        Assert.NotEqual(first.TransferId, elsewhere.TransferId);
        Assert.NotEqual(first.IdempotencyKey, elsewhere.IdempotencyKey);
    }

    [Fact]
    public async Task Without_a_journal_each_create_is_a_new_transfer_as_before()
    {
        await using var session = await EmulatorSession.StartAsync();
        GenesysConnection connection = await session.ConnectAsync();
        string path = session.WritePdf();

        FileTransfer first = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        FileTransfer second = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);

        Assert.Null(connection.Journal);
        Assert.NotEqual(first.TransferId, second.TransferId);
        Assert.False(second.Resumed);
        Assert.Equal(new[] { second.TransferId, first.TransferId }, connection.Lookup.Query(new TransferQuery()).Select(t => t.TransferId));
    }

    [Fact]
    public async Task Two_copies_of_a_file_sent_at_once_become_one_transfer_uploaded_once()
    {
        await using var session = await EmulatorSession.StartAsync();
        GenesysConnection connection = await session.ConnectAsync(journalPath: Path.Combine(session.Folder, "journal.db"));
        string original = session.WritePdf("a.pdf", padding: 100_000);
        string copy = Path.Combine(session.Folder, "a-copy.pdf");
        File.Copy(original, copy);

        FileTransfer[] transfers = await Task.WhenAll(
            Task.Run(() => RunToDeliveredAsync(connection, session.Request(original))),
            Task.Run(() => RunToDeliveredAsync(connection, session.Request(copy))));

        Assert.Same(transfers[0], transfers[1]);
        Assert.Single(session.Host.State.Media);
        Assert.Single(session.Host.State.Requests, r => r.Method == "PUT");
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task A_transfer_of_an_earlier_session_is_found_by_id_and_by_query()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        FileTransfer first = await RunToDeliveredAsync(await session.ConnectAsync(journalPath: journalPath), session.Request(session.WritePdf()));
        session.Connection!.Dispose();

        GenesysConnection later = await session.ConnectAsync(journalPath: journalPath);

        Assert.True(later.Lookup.TryGet(first.TransferId, out FileTransfer found));
        Assert.Equal(TransferStatus.Delivered, found.Status);
        Assert.Equal(first.DeliveredAt, found.DeliveredAt);
        Assert.Same(found, Assert.Single(later.Lookup.Query(new TransferQuery { Status = "Delivered" })));
        Assert.Empty(later.Lookup.Query(new TransferQuery { Status = "Failed" }));
        Assert.False(later.Lookup.TryGet(Guid.NewGuid(), out _));
        using SqliteTransferJournal reader = SqliteTransferJournal.Open(journalPath);
        FileTransfer standalone = Assert.Single(TransferLookup.Query(reader, new TransferQuery { File = "invoice.pdf" }));
        Assert.Equal(first.TransferId, standalone.TransferId);
        Assert.Equal(first.Metadata.AccessPolicy!.RetentionDays, standalone.Metadata.AccessPolicy!.RetentionDays);
    }

    [Fact]
    public async Task A_journal_that_cannot_be_opened_fails_the_connection_before_any_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        string notAJournal = Path.Combine(session.Folder, "notes.db");
        File.WriteAllText(notAJournal, new string('x', 8192));

        var error = await Assert.ThrowsAsync<TransferJournalException>(() => session.ConnectAsync(journalPath: notAJournal));

        Assert.Equal(notAJournal, error.Location);
        Assert.Empty(session.Host.State.Requests);
    }

    private static async Task<FileTransfer> RunToDeliveredAsync(GenesysConnection connection, CreateTransferRequest request)
    {
        FileTransfer transfer = await connection.Transfers.CreateAsync(request, CancellationToken.None);
        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(transfer, new ScanWaitOptions(), null, CancellationToken.None);
        return await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);
    }

    /// <summary>Requests to Genesys itself, token requests aside.</summary>
    private static int ApiRequests(EmulatorSession session) => session.Host.State.Requests.Count(r => r.Route != "token");
}
