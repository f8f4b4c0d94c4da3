using Xunit;
using System.Diagnostics;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Control;

public class FaultInjectionTests
{
    private static readonly string MediaList = EmulatorSession.CommunicationPath + "/media";

    [Fact]
    public async Task A_status_fault_answers_the_next_matching_request_with_a_genesys_error_then_clears()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (var added = await session.ControlAsync(HttpMethod.Post, "faults", new { route = "uploads", count = 1, action = "status", status = 503 }))
            Assert.Equal(201, (int)added.StatusCode);

        using var faulted = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = 10 });
        using var next = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = 10 });

        Assert.Equal(503, (int)faulted.StatusCode);
        var json = await EmulatorSession.JsonOf(faulted);
        Assert.Equal("service.unavailable", json.GetProperty("code").GetString());
        Assert.Equal(Assert.Single(faulted.Headers.GetValues("ININ-Correlation-Id")), json.GetProperty("contextId").GetString());
        Assert.Equal(200, (int)next.StatusCode);
    }

    [Fact]
    public async Task A_429_fault_carries_retry_after_and_the_normalized_body()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 2, action = "status", status = 429, retryAfterSeconds = 7 })) { }

        using var first = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
        using var second = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
        using var third = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(429, (int)first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), first.Headers.RetryAfter?.Delta);
        var json = await EmulatorSession.JsonOf(first);
        Assert.Equal("too.many.requests.retry.after", json.GetProperty("code").GetString());
        Assert.Contains("[7]", json.GetProperty("message").GetString());
        Assert.Equal(429, (int)second.StatusCode);
        Assert.Equal(200, (int)third.StatusCode);
    }

    [Fact]
    public async Task A_storage_fault_answers_in_s3_xml()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf();
        var ticket = await session.CreateUploadAsync(token, "a.pdf", content);
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "s3", method = "PUT", count = 1, action = "status", status = 503 })) { }

        using var faulted = await session.PutAsync(ticket, content);
        using var retried = await session.PutAsync(ticket, content);

        Assert.Equal(503, (int)faulted.StatusCode);
        Assert.Equal("SlowDown", (await EmulatorSession.S3ErrorOf(faulted)).Code);
        Assert.Equal(200, (int)retried.StatusCode);
    }

    [Fact]
    public async Task A_token_fault_answers_in_the_oauth_error_format()
    {
        await using var session = await EmulatorSession.StartAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "token", count = 1, action = "status", status = 500 })) { }

        using var response = await session.RequestTokenAsync(EmulatorSession.BasicCredentials("emulator-client", "emulator-secret-0123456789"));

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("temporarily_unavailable", (await EmulatorSession.JsonOf(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_hang_fault_delays_the_answer_then_answers_normally()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 1, action = "hang", hangMs = 300 })) { }

        var stopwatch = Stopwatch.StartNew();
        using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
        stopwatch.Stop();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 280, $"answered after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_hang_ends_early_when_the_client_gives_up()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 1, action = "hang", hangMs = 30_000 })) { }
        using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        using var request = new HttpRequestMessage(HttpMethod.Get, MediaList);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.Http.SendAsync(request, impatient.Token));

        // The emulator stops waiting and logs the abandoned request instead of holding it for 30 s.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (session.Host.State.Requests.All(r => r.Route != "medialist") && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Assert.Single(session.Host.State.Requests, r => r.Route == "medialist").Aborted);
    }

    [Fact]
    public async Task A_drop_fault_cuts_the_connection_once()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 1, action = "drop" })) { }

        await Assert.ThrowsAsync<HttpRequestException>(() => session.SendApiAsync(HttpMethod.Get, MediaList, token));
        using var next = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(200, (int)next.StatusCode);
    }

    [Fact]
    public async Task A_drop_fault_on_storage_cuts_the_upload_mid_body_and_stores_nothing()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(512 * 1024);
        var ticket = await session.CreateUploadAsync(token, "big.pdf", content);
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "s3", count = 1, action = "drop" })) { }

        await Assert.ThrowsAsync<HttpRequestException>(() => session.PutAsync(ticket, content));

        Assert.Null(session.Host.State.FindMedia(ticket.Id)!.Upload);
        using var retried = await session.PutAsync(ticket, content);
        Assert.Equal(200, (int)retried.StatusCode);
    }

    [Fact]
    public async Task A_method_filter_leaves_other_methods_alone_and_wildcard_routes_match_anything()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "*", method = "POST", count = 1, action = "status", status = 500 })) { }

        using var get = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
        using var post = await session.CreateUploadRawAsync(token, new { fileName = "a.pdf", contentLengthBytes = 10 });

        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal(500, (int)post.StatusCode);
        Assert.Equal("internal.server.error", (await EmulatorSession.JsonOf(post)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deleting_the_faults_clears_them()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 5, action = "status", status = 500 })) { }

        using (var cleared = await session.ControlAsync(HttpMethod.Delete, "faults")) Assert.Equal(204, (int)cleared.StatusCode);
        using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("nowhere", "status", 500)]
    [InlineData("media", "explode", 500)]
    [InlineData("media", "status", 200)]
    public async Task A_malformed_fault_rule_is_refused(string route, string action, int status)
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.ControlAsync(HttpMethod.Post, "faults", new { route, action, status, count = 1 });

        Assert.Equal(400, (int)response.StatusCode);
        Assert.True((await EmulatorSession.JsonOf(response)).TryGetProperty("message", out _));
    }
}
