using Xunit;
using System.Security.Cryptography;
using System.Text.Json;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Media;

public class MessageSendTests
{
    private static readonly string Messages = EmulatorSession.CommunicationPath;

    [Fact]
    public async Task Sending_a_valid_media_returns_message_data_with_the_normalized_attachment()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(4321);
        var (ticket, _) = await session.UploadAsync(token, "statement.pdf", content);

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { ticket.Id } });

        Assert.Equal(200, (int)response.StatusCode);
        var message = await EmulatorSession.JsonOf(response);
        Assert.Equal("outbound", message.GetProperty("direction").GetString());
        Assert.Equal("sent", message.GetProperty("status").GetString());
        Assert.Equal("open", message.GetProperty("messengerType").GetString());
        var media = Assert.Single(message.GetProperty("media").EnumerateArray());
        Assert.Equal(ticket.Id, media.GetProperty("id").GetString());
        Assert.Equal("application/pdf", media.GetProperty("mediaType").GetString());
        var content0 = Assert.Single(message.GetProperty("normalizedMessage").GetProperty("content").EnumerateArray());
        Assert.Equal("Attachment", content0.GetProperty("contentType").GetString());
        var attachment = content0.GetProperty("attachment");
        Assert.Equal("File", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("statement.pdf", attachment.GetProperty("filename").GetString());
        Assert.Equal(4321, attachment.GetProperty("contentSizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), attachment.GetProperty("sha256").GetString());

        var delivered = Assert.Single(session.Host.State.Messages);
        Assert.Equal(message.GetProperty("id").GetString(), delivered.Id);
        Assert.Equal([ticket.Id], delivered.MediaIds);
    }

    [Fact]
    public async Task Images_are_attached_as_image()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "photo.png", SampleFiles.Png());

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { ticket.Id } });

        var attachment = (await EmulatorSession.JsonOf(response)).GetProperty("normalizedMessage").GetProperty("content")[0].GetProperty("attachment");
        Assert.Equal("Image", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("image/png", attachment.GetProperty("mime").GetString());
    }

    [Fact]
    public async Task Sending_an_invalid_media_is_400_media_not_valid_and_nothing_is_delivered()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, status) = await session.UploadAsync(token, "fake.pdf", SampleFiles.WindowsExecutable());

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { ticket.Id } });

        Assert.Equal("invalid", status);
        await AssertBadRequest(response, $"Media [{ticket.Id}] is not valid");
        Assert.Empty(session.Host.State.Messages);
    }

    [Fact]
    public async Task Sending_a_media_that_is_still_uploading_is_400()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.ValidationDelayMs = 5_000);
        var token = await session.GetTokenAsync();
        var (ticket, status) = await session.UploadAsync(token, "slow.pdf", SampleFiles.Pdf());

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { ticket.Id } });

        Assert.Equal("uploading", status);
        await AssertBadRequest(response, $"Media [{ticket.Id}] is not valid");
    }

    [Fact]
    public async Task Sending_an_unknown_media_is_400()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var unknown = Guid.NewGuid().ToString();

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { unknown } });

        await AssertBadRequest(response, $"Media [{unknown}] is not valid");
    }

    [Fact]
    public async Task Two_media_or_text_with_media_are_refused_while_the_single_body_rule_is_on()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (first, _) = await session.UploadAsync(token, "one.pdf", SampleFiles.Pdf());
        var (second, _) = await session.UploadAsync(token, "two.pdf", SampleFiles.Pdf());

        using var twoMedia = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { mediaIds = new[] { first.Id, second.Id } });
        using var textAndMedia = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { textBody = "see attached", mediaIds = new[] { first.Id } });

        await AssertBadRequest(twoMedia, null);
        await AssertBadRequest(textAndMedia, null);
        Assert.Empty(session.Host.State.Messages);
    }

    [Fact]
    public async Task Text_with_media_is_accepted_when_the_single_body_rule_is_off()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.StrictSingleBodyField = false);
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "one.pdf", SampleFiles.Pdf());

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { textBody = "see attached", mediaIds = new[] { ticket.Id } });

        Assert.Equal(200, (int)response.StatusCode);
        var message = await EmulatorSession.JsonOf(response);
        Assert.Equal("see attached", message.GetProperty("textBody").GetString());
        Assert.Equal(1, message.GetProperty("media").GetArrayLength());
    }

    [Fact]
    public async Task A_text_message_is_delivered()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { textBody = "hello" });

        Assert.Equal(200, (int)response.StatusCode);
        var message = await EmulatorSession.JsonOf(response);
        Assert.Equal("hello", message.GetProperty("textBody").GetString());
        Assert.Equal("hello", message.GetProperty("normalizedMessage").GetProperty("text").GetString());
        Assert.Equal("hello", Assert.Single(session.Host.State.Messages).TextBody);
    }

    [Fact]
    public async Task An_empty_message_is_400()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Post, Messages, token, new { });

        await AssertBadRequest(response, null);
    }

    private static async Task AssertBadRequest(HttpResponseMessage response, string? message)
    {
        Assert.Equal(400, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        Assert.Equal("bad.request", json.GetProperty("code").GetString());
        if (message is not null) Assert.Equal(message, json.GetProperty("message").GetString());
    }
}
