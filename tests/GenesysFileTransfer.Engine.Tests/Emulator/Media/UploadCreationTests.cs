using Xunit;
using System.Text.Json;
using System.Web;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Media;

public class UploadCreationTests
{
    [Fact]
    public async Task Upload_url_is_a_presigned_s3_style_url_for_the_media()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.UploadUrlLifetimeSeconds = 600);
        var token = await session.GetTokenAsync();

        var ticket = await session.CreateUploadAsync(token, "invoice.pdf", SampleFiles.Pdf());

        var url = new Uri(ticket.UploadUrl);
        Assert.Equal(session.Host.BaseUri.Authority, url.Authority);
        Assert.Equal($"/s3/genesys-media/{ticket.Id}/invoice.pdf", url.AbsolutePath);
        var query = HttpUtility.ParseQueryString(url.Query);
        Assert.Equal("AWS4-HMAC-SHA256", query["X-Amz-Algorithm"]);
        Assert.Equal("20261124T120000Z", query["X-Amz-Date"]);
        Assert.Equal("600", query["X-Amz-Expires"]);
        Assert.Equal("content-type;host;x-amz-tagging", query["X-Amz-SignedHeaders"]);
        Assert.Matches("^[0-9a-f]{64}$", query["X-Amz-Signature"]);
        Assert.Contains("/20261124/", query["X-Amz-Credential"]);
        Assert.True(Guid.TryParse(ticket.Id, out _));
        Assert.Equal("invoice.pdf", ticket.Json.GetProperty("name").GetString());
        Assert.EndsWith($"/messages/media/{ticket.Id}", ticket.Json.GetProperty("selfUri").GetString());
    }

    [Theory]
    [InlineData("report.pdf", "application/pdf")]
    [InlineData("photo.PNG", "image/png")]
    [InlineData("photo.jpg", "image/jpeg")]
    [InlineData("photo.jpeg", "image/jpeg")]
    [InlineData("anim.gif", "image/gif")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("archive.zip", "application/octet-stream")]
    [InlineData("no-extension", "application/octet-stream")]
    public async Task Upload_headers_carry_the_content_type_of_the_extension_and_the_tagging(string fileName, string contentType)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var ticket = await session.CreateUploadAsync(token, fileName, SampleFiles.Text());

        Assert.Equal(2, ticket.Headers.Count);
        Assert.Equal(contentType, ticket.Headers["Content-Type"]);
        Assert.Equal(
            $"organizationId={EmulatorDefaults.OrganizationId}&originPlatform=PureCloud&role=darth&owner=emulator",
            ticket.Headers["x-amz-tagging"]);
    }

    [Fact]
    public async Task A_content_md5_becomes_a_required_upload_header_and_a_signed_header()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();

        var ticket = await session.CreateUploadAsync(token, "signed.pdf", content, withMd5: true);

        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(content)), ticket.Headers["Content-MD5"]);
        Assert.Equal("content-md5;content-type;host;x-amz-tagging",
            HttpUtility.ParseQueryString(new Uri(ticket.UploadUrl).Query)["X-Amz-SignedHeaders"]);
    }

    [Fact]
    public async Task The_new_media_is_recorded_as_uploading()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var ticket = await session.CreateUploadAsync(token, "later.pdf", SampleFiles.Pdf(100));

        var record = session.Host.State.FindMedia(ticket.Id);
        Assert.NotNull(record);
        Assert.Equal("uploading", record.Status);
        Assert.Equal(100, record.DeclaredContentLengthBytes);
        Assert.Equal("uploading", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden.pdf")]
    [InlineData("folder/")]
    [InlineData("has space.pdf")]
    [InlineData("tab\there.pdf")]
    [InlineData("hash#.pdf")]
    [InlineData("percent%.pdf")]
    [InlineData("pipe|.pdf")]
    [InlineData("back\\slash.pdf")]
    [InlineData("quote\".pdf")]
    [InlineData("caret^.pdf")]
    public async Task A_file_name_breaking_the_genesys_rules_is_400_invalid_value_on_fileName(string fileName)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.CreateUploadRawAsync(token, new { fileName, contentLengthBytes = 10 });

        await AssertInvalidValue(response, 400, "invalid.value", "fileName");
        Assert.Empty(session.Host.State.Media);
    }

    [Fact]
    public async Task File_names_of_255_characters_are_accepted_and_256_refused()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var longest = await session.CreateUploadRawAsync(token, new { fileName = new string('a', 251) + ".pdf", contentLengthBytes = 10 });
        using var tooLong = await session.CreateUploadRawAsync(token, new { fileName = new string('a', 252) + ".pdf", contentLengthBytes = 10 });

        Assert.Equal(200, (int)longest.StatusCode);
        await AssertInvalidValue(tooLong, 400, "invalid.value", "fileName");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_non_positive_length_is_400_invalid_value_on_contentLengthBytes(long length)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = length });

        await AssertInvalidValue(response, 400, "invalid.value", "contentLengthBytes");
    }

    [Fact]
    public async Task A_length_over_the_maximum_is_413_request_entity_too_large()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var atMax = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = EmulatorDefaults.MaxContentLengthBytes });
        using var overMax = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = EmulatorDefaults.MaxContentLengthBytes + 1 });

        Assert.Equal(200, (int)atMax.StatusCode);
        var json = await AssertInvalidValue(overMax, 413, "request.entity.too.large", "contentLengthBytes");
        Assert.Contains("26214400", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_content_md5_that_is_not_a_base64_digest_is_400()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.CreateUploadRawAsync(token,
            new { fileName = "a.pdf", contentLengthBytes = 10, contentMd5 = "d41d8cd98f00b204e9800998ecf8427e" });

        await AssertInvalidValue(response, 400, "invalid.value", "contentMd5");
    }

    [Fact]
    public async Task Malformed_json_is_400_bad_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.CreateUploadRawAsync(token, "{\"fileName\": ");

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("bad.request", (await EmulatorSession.JsonOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_conversation_or_communication_is_404_not_found()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var body = new { fileName = "a.pdf", contentLengthBytes = 10 };

        using var unknownConversation = await session.SendApiAsync(HttpMethod.Post,
            $"api/v2/conversations/messages/{Guid.NewGuid()}/communications/{EmulatorDefaults.CommunicationId}/messages/media/uploads", token, body);
        using var unknownCommunication = await session.SendApiAsync(HttpMethod.Post,
            $"api/v2/conversations/messages/{EmulatorDefaults.ConversationId}/communications/{Guid.NewGuid()}/messages/media/uploads", token, body);

        Assert.Equal(404, (int)unknownConversation.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(unknownConversation)).GetProperty("code").GetString());
        Assert.Equal(404, (int)unknownCommunication.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(unknownCommunication)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_conversation_created_through_the_control_api_accepts_uploads()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using var created = await session.ControlAsync(HttpMethod.Post, "conversations");
        var conversation = await EmulatorSession.JsonOf(created);
        var path = $"api/v2/conversations/messages/{conversation.GetProperty("conversationId").GetString()}" +
                   $"/communications/{conversation.GetProperty("communicationId").GetString()}/messages/media/uploads";

        using var response = await session.SendApiAsync(HttpMethod.Post, path, token, new { fileName = "a.pdf", contentLengthBytes = 10 });

        Assert.Equal(201, (int)created.StatusCode);
        Assert.Equal(200, (int)response.StatusCode);
    }

    private static async Task<JsonElement> AssertInvalidValue(HttpResponseMessage response, int status, string code, string fieldName)
    {
        Assert.Equal(status, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        var detail = Assert.Single(json.GetProperty("details").EnumerateArray());
        Assert.Equal(fieldName, detail.GetProperty("fieldName").GetString());
        return json;
    }
}
