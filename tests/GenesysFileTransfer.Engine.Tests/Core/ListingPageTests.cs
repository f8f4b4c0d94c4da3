using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Transfers;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>
/// A shared status round reads one listing page when every waiting media fits on one: the page is sized so that it
/// ends at the communication's last media and starts at or before the oldest waiting one.
/// </summary>
public class ListingPageTests
{
    [Theory]
    // 102 media, the oldest waiting at 96: page 2 of 96 holds positions 96-101 (page 2 of 100 would start at 100).
    [InlineData(102, 96, 1, 2, 96)]
    // 101 media, oldest waiting at 93: page 2 of 93 holds 93-100.
    [InlineData(101, 93, 1, 2, 93)]
    // 205 media, oldest waiting at 195: page 3 of 97 holds 194-204.
    [InlineData(205, 195, 2, 3, 97)]
    // 200 media, oldest waiting at 150: page 2 of 100 already holds 100-199.
    [InlineData(200, 150, 1, 2, 100)]
    // Everything fits on the first page of 100.
    [InlineData(60, 10, 3, 1, 100)]
    // The waiting media span more than a page: the last full page by the hint, the rest read backwards.
    [InlineData(250, 100, 3, 3, 100)]
    // Nothing known yet (no listing so far): the hint.
    [InlineData(-1, -1, 2, 2, 100)]
    public void The_first_page_ends_at_the_last_media_and_starts_at_or_before_the_oldest_waiting_one(long total, long oldest, int hint, int page, int size)
    {
        Assert.Equal((page, size), MediaStatusPoller.FirstPage(total, oldest, hint));
    }

    [Fact]
    public async Task A_round_just_after_the_communication_passed_100_media_reads_one_page_for_media_on_both_sides()
    {
        await using var session = await EmulatorSession.StartAsync(new EmulatorOptions { ValidationDelayMs = 0 });
        var connection = await session.ConnectAsync();

        // 96 media that stay uploading (created, never uploaded): positions 0-95.
        for (int i = 0; i < 96; i++)
        {
            await connection.Transfers.CreateAsync(session.Request(session.WritePdf($"filler-{i}.pdf", padding: 10 + i)), CancellationToken.None);
        }

        // Two files at positions 96 and 97, waited for together: a listing round tells the poller there are 98.
        await SendAndWaitAsync(session, connection, "before", 2);
        int before = session.Host.State.Requests.Count(r => r.Route == "medialist");
        Assert.True(before >= 1, "the first two files were not polled with the listing");

        // Four more at 98-101: two of them end up on page 1 of 100 and two on page 2. One page of 98 holds them all.
        FileTransfer[] crossing = await SendAndWaitAsync(session, connection, "crossing", 4);

        Assert.All(crossing, t => Assert.Equal(TransferStatus.Valid, t.Status));
        Assert.Equal(102, session.Host.State.Requests.Count(r => r.Route == "uploads"));
        Assert.Equal(1, session.Host.State.Requests.Count(r => r.Route == "medialist") - before);
        Assert.Equal(0, session.Host.State.Requests.Count(r => r.Route == "media"));
    }

    private static async Task<FileTransfer[]> SendAndWaitAsync(EmulatorSession session, Connection.GenesysConnection connection, string name, int count)
    {
        var transfers = new List<FileTransfer>();
        for (int i = 0; i < count; i++)
        {
            FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf($"{name}-{i}.pdf", padding: 500 + i)), CancellationToken.None);
            await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);
            transfers.Add(transfer);
        }

        // Waited for together, so one shared round answers for all of them.
        return await Task.WhenAll(transfers.Select(t => connection.Transfers.WaitForScanAsync(t, new ScanWaitOptions(), null, CancellationToken.None)));
    }
}
