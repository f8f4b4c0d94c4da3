using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Media;

/// <summary>
/// DELETE /emulator/media[/{mediaId}]: Genesys forgets media, as after a service restart. Afterwards the media
/// cannot be read, sent or uploaded to; messages that already carry it stay in the conversation.
/// </summary>
public class LostMediaTests
{
    private const string BulkPath = "api/v2/conversations/messages/" + GenesysFileTransfer.Emulator.EmulatorDefaults.ConversationId + "/messages/bulk";

    [Fact]
    public async Task A_forgotten_media_is_404_to_read_400_to_send_and_its_upload_url_no_longer_takes_a_put()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var uploaded = await session.CreateUploadAsync(token, "uploaded.pdf", content);
        using (var put = await session.PutAsync(uploaded, content)) Assert.Equal(200, (int)put.StatusCode);
        var pending = await session.CreateUploadAsync(token, "pending.pdf", content);

        using (var forget = await session.ControlAsync(HttpMethod.Delete, "media/" + uploaded.Id)) Assert.Equal(204, (int)forget.StatusCode);
        using (var forget = await session.ControlAsync(HttpMethod.Delete, "media/" + pending.Id)) Assert.Equal(204, (int)forget.StatusCode);

        using var read = await session.SendApiAsync(HttpMethod.Get, $"{EmulatorSession.CommunicationPath}/media/{uploaded.Id}", token);
        Assert.Equal(404, (int)read.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(read)).GetProperty("code").GetString());

        using var send = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { uploaded.Id } });
        Assert.Equal(400, (int)send.StatusCode);
        var error = await EmulatorSession.JsonOf(send);
        Assert.Equal("bad.request", error.GetProperty("code").GetString());
        Assert.Equal($"Media [{uploaded.Id}] is not valid", error.GetProperty("message").GetString());

        using var putAgain = await session.PutAsync(pending, content);
        Assert.Equal(404, (int)putAgain.StatusCode);
        Assert.Equal("NoSuchUpload", (await EmulatorSession.S3ErrorOf(putAgain)).Code);
        Assert.Null(session.Host.State.FindMedia(pending.Id));
    }

    [Fact]
    public async Task Messages_already_delivered_keep_the_forgotten_media()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "kept.pdf", SampleFiles.Pdf());
        using var send = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } });
        var messageId = (await EmulatorSession.JsonOf(send)).GetProperty("id").GetString();

        using (var forget = await session.ControlAsync(HttpMethod.Delete, "media/" + ticket.Id)) Assert.Equal(204, (int)forget.StatusCode);
        using var bulk = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, new[] { messageId });

        var entity = Assert.Single((await EmulatorSession.JsonOf(bulk)).GetProperty("entities").EnumerateArray());
        Assert.Equal(ticket.Id, entity.GetProperty("normalizedMessage").GetProperty("content")[0].GetProperty("attachment").GetProperty("id").GetString());
        Assert.Equal([ticket.Id], Assert.Single(session.Host.State.Messages).MediaIds);
    }

    [Fact]
    public async Task Forgetting_all_media_forgets_every_one_and_their_download_urls_stop_working()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (first, _) = await session.UploadAsync(token, "one.pdf", SampleFiles.Pdf());
        var (second, _) = await session.UploadAsync(token, "two.png", SampleFiles.Png());
        var downloadUrl = (await session.GetMediaAsync(token, first.Id)).GetProperty("url").GetString()!;

        using var forget = await session.ControlAsync(HttpMethod.Delete, "media");

        Assert.Equal(200, (int)forget.StatusCode);
        Assert.Equal(2, (await EmulatorSession.JsonOf(forget)).GetProperty("forgotten").GetInt32());
        Assert.Empty(session.Host.State.Media);
        foreach (var id in new[] { first.Id, second.Id })
        {
            using var read = await session.SendApiAsync(HttpMethod.Get, $"{EmulatorSession.CommunicationPath}/media/{id}", token);
            Assert.Equal(404, (int)read.StatusCode);
        }

        using var download = await session.Http.GetAsync(downloadUrl);
        Assert.Equal(404, (int)download.StatusCode);
        Assert.Equal("NoSuchKey", (await EmulatorSession.S3ErrorOf(download)).Code);
    }

    [Fact]
    public async Task Forgetting_an_unknown_media_is_404()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var forget = await session.ControlAsync(HttpMethod.Delete, "media/" + Guid.NewGuid());

        Assert.Equal(404, (int)forget.StatusCode);
        Assert.True((await EmulatorSession.JsonOf(forget)).TryGetProperty("message", out _));
    }
}
