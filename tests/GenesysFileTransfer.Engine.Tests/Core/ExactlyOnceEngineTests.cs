using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Transfers;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>
/// The engine's exactly-once rules against the emulator: every outcome of a send, leases between two connections on
/// one journal (each a process of its own as far as the journal can tell), and media Genesys loses mid-send. Every
/// count comes from what the emulator received.
/// </summary>
public class ExactlyOnceEngineTests
{
    public static TheoryData<string, object> LostAnswers => new()
    {
        { "502", new { route = "messages", count = 1, action = "status", status = 502 } },
        { "504", new { route = "messages", count = 1, action = "status", status = 504 } },
        { "dropped mid-request", new { route = "messages", count = 1, action = "drop" } },
        { "no answer within the attempt timeout", new { route = "messages", count = 1, action = "hang", hangMs = 5000 } },
    };

    [Theory]
    [MemberData(nameof(LostAnswers))]
    public async Task A_send_without_an_answer_is_made_once_reported_as_unknown_and_sent_after_reading_the_conversation(string answer, object fault)
    {
        await using var session = await EmulatorSession.StartAsync();
        GenesysConnection connection = await session.ConnectAsync(retry: new RetryOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(10),
            MaxDelay = TimeSpan.FromMilliseconds(100),
            AttemptTimeout = TimeSpan.FromMilliseconds(800),
        });
        FileTransfer transfer = await ValidatedAsync(session, connection);
        await session.AddFaultAsync(fault);

        var error = await Assert.ThrowsAsync<DeliveryOutcomeUnknownException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));

        Assert.Equal(1, await session.CountRequestsAsync("messages", 1));
        Assert.Empty(session.Host.State.Messages);
        Assert.Equal(TransferStatus.DeliveryUnknown, transfer.Status);
        Assert.Contains(transfer.TransferId.ToString(), error.Message);
        Assert.True(session.Host.State.Requests.Count(r => r.Route == "conversations") >= 1, answer + ": the conversation is read before the error is reported");

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.Equal(2, await session.CountRequestsAsync("messages", 2));
        Assert.Equal(transfer.MessageId, Assert.Single(session.Host.State.Messages).Id);
    }

    [Fact]
    public async Task Two_connections_delivering_one_transfer_at_once_send_it_once()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journal = Path.Combine(session.Folder, "journal.db");
        GenesysConnection first = await session.ConnectAsync(journalPath: journal);
        GenesysConnection second = await session.ConnectAsync(journalPath: journal);
        FileTransfer transfer = await ValidatedAsync(session, first);
        Assert.True(second.Lookup.TryGet(transfer.TransferId, out FileTransfer seenBySecond));
        // The first send is held at the emulator, so the second connection certainly asks while it is under way.
        await session.AddFaultAsync(new { route = "messages", count = 1, action = "hang", hangMs = 700 });

        Task<FileTransfer> a = first.Transfers.DeliverAsync(transfer, null, CancellationToken.None);
        Task<FileTransfer> b = second.Transfers.DeliverAsync(seenBySecond, null, CancellationToken.None);
        await Task.WhenAll(a, b);

        Assert.Single(session.Host.State.Messages);
        Assert.Equal(1, await session.CountRequestsAsync("messages", 1));
        Assert.Equal(TransferStatus.Delivered, seenBySecond.Status);
        Assert.Equal(transfer.MessageId, seenBySecond.MessageId);
    }

    [Fact]
    public async Task A_transfer_whose_owner_died_is_taken_over_when_its_lease_runs_out()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer transfer = await ValidatedAsync(session, connection);
        // Another process took the transfer and died: its lease is in the journal and nobody renews it.
        using (SqliteTransferJournal other = SqliteTransferJournal.Open(journalPath))
        {
            Assert.NotNull(other.Transfers.TryAcquireLease(transfer.TransferId, "dead-host/4242/gone", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1.5)));
        }

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.Single(session.Host.State.Messages);
        Assert.Contains(transfer.History, e => e.Event == "delivering" && e.Detail!.Contains(connection.Transfers.LeaseOwner));
    }

    [Fact]
    public async Task A_transfer_held_by_a_live_owner_for_longer_than_the_wait_is_reported_busy_and_nothing_is_sent()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection connection = await session.ConnectAsync(
            journalPath: journalPath,
            configure: o => o.TransferLease = new TransferLeaseOptions { Duration = TimeSpan.FromSeconds(30), WaitTimeout = TimeSpan.FromMilliseconds(600) });
        FileTransfer transfer = await ValidatedAsync(session, connection);
        using (SqliteTransferJournal other = SqliteTransferJournal.Open(journalPath))
        {
            Assert.NotNull(other.Transfers.TryAcquireLease(transfer.TransferId, "busy-host/7/alive", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        }

        var busy = await Assert.ThrowsAsync<TransferBusyException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));

        Assert.Equal("busy-host/7/alive", busy.Owner);
        Assert.Contains("busy-host/7/alive", busy.Message);
        Assert.Empty(session.Host.State.Messages);
        Assert.Equal(0, session.Host.State.Requests.Count(r => r.Route == "messages"));
    }

    [Fact]
    public async Task The_view_a_send_returns_matches_the_journal_read_afresh_step_for_step()
    {
        // Each step moves the view on from the row and entry it just stored, without reading the journal back; what a
        // later session reads from the journal must be the same transfer, history included.
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);

        FileTransfer sent = await connection.Sender.SendAsync(session.Request(session.WritePdf()), new SendOptions { Deliver = true }, null, CancellationToken.None);

        using SqliteTransferJournal journal = SqliteTransferJournal.Open(journalPath);
        JournalTransfer record = journal.Transfers.GetTransfer(sent.TransferId)!;
        FileTransfer reread = FileTransfer.FromJournal(record, journal.Transfers.GetHistory(sent.TransferId), journalPath);
        Assert.Equal(TransferStatus.Delivered, sent.Status);
        Assert.Equal(reread.Status, sent.Status);
        Assert.Equal(reread.MediaId, sent.MediaId);
        Assert.Equal(reread.MessageId, sent.MessageId);
        Assert.Equal(reread.DeliveredAt, sent.DeliveredAt);
        Assert.Equal(
            reread.History.Select(e => (e.Time, e.Event, e.MediaId, e.Detail)),
            sent.History.Select(e => (e.Time, e.Event, e.MediaId, e.Detail)));
        Assert.Contains(sent.History, e => e.Event == "uploaded");
        Assert.Contains(sent.History, e => e.Event == "delivered");
    }

    [Fact]
    public async Task Media_genesys_loses_while_the_sender_waits_is_uploaded_again_under_the_same_transfer_and_delivered_once()
    {
        await using var session = await EmulatorSession.StartAsync();
        GenesysConnection connection = await session.ConnectAsync(journalPath: Path.Combine(session.Folder, "journal.db"));
        session.Host.Options.ValidationDelayMs = 1500;
        CreateTransferRequest request = session.Request(session.WritePdf());

        Task<FileTransfer> sending = connection.Sender.SendAsync(request, new SendOptions { Deliver = true }, null, CancellationToken.None);
        string lost = await FirstUploadedMediaAsync(session);
        Assert.True(session.Host.State.ForgetMedia(lost));
        session.Host.Options.ValidationDelayMs = 50;
        FileTransfer transfer = await sending;

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        var message = Assert.Single(session.Host.State.Messages);
        Assert.NotEqual(lost, transfer.MediaId);
        Assert.Equal(new[] { transfer.MediaId! }, message.MediaIds);
        Assert.Contains(lost, transfer.PreviousMediaIds);
        Assert.Contains(transfer.History, e => e.Event == "media-lost" && e.MediaId == lost);
    }

    [Fact]
    public async Task A_transfer_left_uploaded_with_media_genesys_no_longer_knows_is_recovered_by_the_next_send()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection first = await session.ConnectAsync(journalPath: journalPath);
        CreateTransferRequest request = session.Request(session.WritePdf());
        FileTransfer uploaded = await first.Sender.SendAsync(request, new SendOptions(), null, CancellationToken.None);
        Assert.Equal(TransferStatus.Uploaded, uploaded.Status);
        session.Host.State.ForgetAllMedia();

        GenesysConnection later = await session.ConnectAsync(journalPath: journalPath);
        FileTransfer delivered = await later.Sender.SendAsync(request, new SendOptions { Deliver = true }, null, CancellationToken.None);

        Assert.Equal(uploaded.TransferId, delivered.TransferId);
        Assert.Equal(TransferStatus.Delivered, delivered.Status);
        Assert.Equal(new[] { uploaded.MediaId! }, delivered.PreviousMediaIds);
        Assert.Equal(new[] { delivered.MediaId! }, Assert.Single(session.Host.State.Messages).MediaIds);
    }

    [Fact]
    public async Task A_sender_whose_transfer_another_process_moved_on_takes_it_again_and_goes_on_from_the_journal()
    {
        await using var session = await EmulatorSession.StartAsync();
        string journalPath = Path.Combine(session.Folder, "journal.db");
        GenesysConnection connection = await session.ConnectAsync(journalPath: journalPath);
        CreateTransferRequest request = session.Request(session.WritePdf());
        // The upload is held at the storage host while another process takes the transfer over (as after a pause
        // longer than the lease: its clock says the lease has run out) and gives it back.
        // Held long enough that the takeover certainly lands while the first upload is still on its way.
        await session.AddFaultAsync(new { route = "s3", count = 1, action = "hang", hangMs = 5000 });
        Task<FileTransfer> sending = connection.Sender.SendAsync(request, new SendOptions { Deliver = true }, null, CancellationToken.None);
        await UploadInFlightAsync(session);
        Guid id = Assert.Single(connection.Lookup.Query(new TransferQuery())).TransferId;
        using (SqliteTransferJournal other = SqliteTransferJournal.Open(journalPath))
        {
            Assert.NotNull(other.Transfers.TryAcquireLease(id, "other-host/9/took-over", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromSeconds(1)));
            other.Transfers.ReleaseLease(id, "other-host/9/took-over");
        }

        FileTransfer transfer = await sending;

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.Equal(new[] { transfer.MediaId! }, Assert.Single(session.Host.State.Messages).MediaIds);
        Assert.Equal(2, session.Host.State.Requests.Count(r => r.Route == "s3" && r.Method == "PUT"));
    }

    /// <summary>Waits until the storage host holds an upload open (the emulator's own count of requests in flight).</summary>
    private static async Task UploadInFlightAsync(EmulatorSession session)
    {
        using var http = new HttpClient { BaseAddress = session.Host.BaseUri };
        for (int i = 0; i < 400; i++)
        {
            using var stats = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("emulator/stats"));
            if (stats.RootElement.GetProperty("routes").TryGetProperty("s3", out var s3) && s3.GetProperty("inFlight").GetInt32() > 0)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("No upload was in flight within 10 s.");
    }

    private static async Task<FileTransfer> ValidatedAsync(EmulatorSession session, GenesysConnection connection) =>
        await connection.Sender.SendAsync(session.Request(session.WritePdf()), new SendOptions { Wait = true }, null, CancellationToken.None);

    private static async Task<string> FirstUploadedMediaAsync(EmulatorSession session)
    {
        for (int i = 0; i < 200; i++)
        {
            var media = session.Host.State.Media.FirstOrDefault(m => m.Upload != null);
            if (media != null)
            {
                return media.Id;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("No media was uploaded within 5 s.");
    }
}
