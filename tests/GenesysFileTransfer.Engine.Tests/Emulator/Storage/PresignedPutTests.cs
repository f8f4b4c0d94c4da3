using Xunit;
using System.Security.Cryptography;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Storage;

public class PresignedPutTests
{
    [Fact]
    public async Task A_correct_put_is_200_with_the_md5_etag_and_the_media_turns_valid_after_the_validation_delay()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.ValidationDelayMs = 200);
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "contract.pdf", content, withMd5: true);

        using var put = await session.PutAsync(ticket, content);

        Assert.Equal(200, (int)put.StatusCode);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"", put.Headers.ETag?.Tag);
        Assert.Equal("uploading", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("status").GetString());

        session.Clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal("uploading", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("status").GetString());
        session.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var media = await session.GetMediaAsync(token, ticket.Id);

        Assert.Equal("valid", media.GetProperty("status").GetString());
        Assert.Equal("application/pdf", media.GetProperty("mediaType").GetString());
        Assert.Equal(content.Length, media.GetProperty("contentLengthBytes").GetInt64());
        Assert.Equal(ticket.UploadUrl, media.GetProperty("uploadUrl").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), session.Host.State.FindMedia(ticket.Id)!.Upload!.Sha256Hex);
    }

    [Fact]
    public async Task The_download_url_of_a_valid_media_returns_the_uploaded_bytes()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Png(5000);
        var (ticket, status) = await session.UploadAsync(token, "picture.png", content);
        var media = await session.GetMediaAsync(token, ticket.Id);

        using var download = await session.Http.GetAsync(media.GetProperty("url").GetString());

        Assert.Equal("valid", status);
        Assert.Equal(200, (int)download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("x-amz-tagging")]
    [InlineData("Content-Type")]
    [InlineData("Content-MD5")]
    public async Task Leaving_out_an_upload_header_is_403_signature_does_not_match(string header)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content, withMd5: true);

        using var put = await session.PutAsync(ticket, content, r => EmulatorSession.RemoveHeader(r, header));

        Assert.Equal(403, (int)put.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", (await EmulatorSession.S3ErrorOf(put)).Code);
        Assert.Null(session.Host.State.FindMedia(ticket.Id)!.Upload);
    }

    [Fact]
    public async Task An_upload_header_with_another_value_is_403_signature_does_not_match()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);

        using var put = await session.PutAsync(ticket, content, r => EmulatorSession.SetHeader(r, "Content-Type", "application/octet-stream"));

        Assert.Equal(403, (int)put.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", (await EmulatorSession.S3ErrorOf(put)).Code);
    }

    [Fact]
    public async Task After_the_url_lifetime_a_put_is_403_access_denied_request_has_expired()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.UploadUrlLifetimeSeconds = 1);
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "late.pdf", content);

        session.Clock.Advance(TimeSpan.FromSeconds(2));
        using var put = await session.PutAsync(ticket, content);

        Assert.Equal(403, (int)put.StatusCode);
        var (code, message) = await EmulatorSession.S3ErrorOf(put);
        Assert.Equal("AccessDenied", code);
        Assert.Equal("Request has expired", message);
        // Genesys does not time out an abandoned media: it stays uploading.
        Assert.Equal("uploading", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_put_at_the_last_second_of_the_lifetime_is_still_accepted()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.UploadUrlLifetimeSeconds = 1);
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "just-in-time.pdf", content);

        session.Clock.Advance(TimeSpan.FromSeconds(1));
        using var put = await session.PutAsync(ticket, content);

        Assert.Equal(200, (int)put.StatusCode);
    }

    [Theory]
    [InlineData("X-Amz-Signature")]
    [InlineData("X-Amz-Expires")]
    [InlineData("X-Amz-Date")]
    public async Task A_tampered_query_parameter_is_403_signature_does_not_match(string parameter)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);
        var tampered = Tamper(ticket.UploadUrl, parameter);

        using var put = await session.PutAsync(ticket, content, url: tampered);

        Assert.NotEqual(ticket.UploadUrl, tampered);
        Assert.Equal(403, (int)put.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", (await EmulatorSession.S3ErrorOf(put)).Code);
    }

    [Fact]
    public async Task A_url_without_its_signature_is_403_signature_does_not_match()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);
        var unsigned = ticket.UploadUrl[..ticket.UploadUrl.IndexOf("&X-Amz-Signature=", StringComparison.Ordinal)];

        using var put = await session.PutAsync(ticket, content, url: unsigned);

        Assert.Equal(403, (int)put.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", (await EmulatorSession.S3ErrorOf(put)).Code);
    }

    [Fact]
    public async Task A_body_shorter_than_declared_is_400_incomplete_body()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(1000);
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);

        using var put = await session.PutAsync(ticket, content[..999]);

        Assert.Equal(400, (int)put.StatusCode);
        Assert.Equal("IncompleteBody", (await EmulatorSession.S3ErrorOf(put)).Code);
        Assert.Null(session.Host.State.FindMedia(ticket.Id)!.Upload);
    }

    [Fact]
    public async Task A_body_longer_than_declared_is_400_bad_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", SampleFiles.Pdf(1000));

        using var put = await session.PutAsync(ticket, SampleFiles.Pdf(1001));

        Assert.Equal(400, (int)put.StatusCode);
        Assert.Equal("BadRequest", (await EmulatorSession.S3ErrorOf(put)).Code);
    }

    [Fact]
    public async Task A_content_md5_that_does_not_match_the_body_is_400_bad_digest()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);
        var otherDigest = Convert.ToBase64String(MD5.HashData(SampleFiles.Pdf(10)));

        using var put = await session.PutAsync(ticket, content, r => EmulatorSession.SetHeader(r, "Content-MD5", otherDigest));

        Assert.Equal(400, (int)put.StatusCode);
        Assert.Equal("BadDigest", (await EmulatorSession.S3ErrorOf(put)).Code);
    }

    [Fact]
    public async Task A_chunked_upload_without_content_length_is_411_missing_content_length()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);

        using var put = await session.PutAsync(ticket, content, r => r.Headers.TransferEncodingChunked = true);

        Assert.Equal(411, (int)put.StatusCode);
        Assert.Equal("MissingContentLength", (await EmulatorSession.S3ErrorOf(put)).Code);
        var logged = session.Host.State.Requests.Single(r => r.Route == "s3");
        Assert.Equal("chunked", logged.TransferEncoding);
        Assert.Null(logged.ContentLength);
    }

    [Fact]
    public async Task Sending_the_genesys_authorization_header_to_storage_is_refused_and_logged()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);

        using var put = await session.PutAsync(ticket, content, r => r.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}"));

        Assert.Equal(400, (int)put.StatusCode);
        Assert.Equal("InvalidArgument", (await EmulatorSession.S3ErrorOf(put)).Code);
        var logged = session.Host.State.Requests.Single(r => r.Route == "s3");
        Assert.True(logged.HadAuthorizationHeader);
        Assert.Equal(400, logged.Status);
    }

    [Fact]
    public async Task With_the_refusal_switched_off_the_put_succeeds_but_the_leak_is_still_recorded()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.RejectAuthorizationOnPresignedUrl = false);
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);

        using var put = await session.PutAsync(ticket, content, r => r.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}"));

        Assert.Equal(200, (int)put.StatusCode);
        Assert.True(session.Host.State.FindMedia(ticket.Id)!.Upload!.HadAuthorizationHeader);
    }

    [Fact]
    public async Task The_request_log_shows_a_clean_put_without_authorization_and_with_an_exact_length()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(3000);
        var (ticket, _) = await session.UploadAsync(token, "a.pdf", content);

        var logged = session.Host.State.Requests.Single(r => r.Route == "s3");

        Assert.Equal("PUT", logged.Method);
        Assert.Equal($"/s3/genesys-media/{ticket.Id}/a.pdf", logged.Path);
        Assert.False(logged.HadAuthorizationHeader);
        Assert.Equal(3000, logged.ContentLength);
        Assert.Null(logged.TransferEncoding);
        Assert.Contains("x-amz-tagging", logged.HeaderNames, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(200, logged.Status);
    }

    [Fact]
    public async Task A_file_name_with_escaped_characters_round_trips_through_the_url()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();

        var (ticket, status) = await session.UploadAsync(token, "dossier/été(1)+final.pdf", content);

        Assert.Equal("valid", status);
        Assert.Equal("dossier/été(1)+final.pdf", session.Host.State.FindMedia(ticket.Id)!.Name);
    }

    [Fact]
    public async Task Parallel_uploads_are_all_accepted_and_validated()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => session.UploadAsync(token, $"file-{i}.pdf", SampleFiles.Pdf(10_000 + i))));

        Assert.All(results, r => Assert.Equal("valid", r.Status));
        Assert.Equal(40, session.Host.State.Media.Select(m => m.Upload!.Sha256Hex).Distinct().Count());
    }

    private static string Tamper(string url, string parameter)
    {
        var marker = parameter + "=";
        var start = url.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        var end = url.IndexOf('&', start);
        if (end < 0) end = url.Length;
        var value = url[start..end];
        var changed = parameter switch
        {
            "X-Amz-Signature" => (value[0] == '0' ? "1" : "0") + value[1..],
            "X-Amz-Expires" => "86400",
            _ => value.Replace("T12", "T13", StringComparison.Ordinal),
        };
        return url[..start] + changed + url[end..];
    }
}
