using Xunit;
using System.Text.Json;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Control;

public class ControlSurfaceTests
{
    [Fact]
    public async Task Settings_can_be_read_and_patched_in_part()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var patched = await session.ControlAsync(HttpMethod.Patch, "settings",
            new { uploadUrlLifetimeSeconds = 5, rateLimit = new { requests = 3, windowSeconds = 10 }, outboundMediaTypes = new[] { "image/*" } });
        using var read = await session.ControlAsync(HttpMethod.Get, "settings");

        Assert.Equal(200, (int)patched.StatusCode);
        var settings = await EmulatorSession.JsonOf(read);
        Assert.Equal(5, settings.GetProperty("uploadUrlLifetimeSeconds").GetInt32());
        Assert.Equal(3, settings.GetProperty("rateLimit").GetProperty("requests").GetInt32());
        Assert.Equal(["image/*"], settings.GetProperty("outboundMediaTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(EmulatorDefaults.TokenLifetimeSeconds, settings.GetProperty("tokenLifetimeSeconds").GetInt32());
        Assert.Equal(5, session.Host.Options.UploadUrlLifetimeSeconds);
    }

    [Fact]
    public async Task Patching_the_rate_limit_to_null_removes_it()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.RateLimit = new RateLimitSettings(1, 60));

        using var patched = await session.ControlAsync(HttpMethod.Patch, "settings", JsonDocument.Parse("{\"rateLimit\":null}").RootElement);

        Assert.Equal(200, (int)patched.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await EmulatorSession.JsonOf(patched)).GetProperty("rateLimit").ValueKind);
        Assert.Null(session.Host.Options.RateLimit);
    }

    [Theory]
    [InlineData("{\"tokenLifetimeSeconds\":0,\"validationDelayMs\":1}")]
    [InlineData("{\"validationDelayMs\":1,\"noSuchSetting\":1}")]
    [InlineData("{\"validationDelayMs\":1,\"outboundMediaTypes\":[\"pdf\"]}")]
    [InlineData("{\"validationDelayMs\":\"soon\"}")]
    public async Task A_bad_patch_is_refused_and_changes_nothing(string patch)
    {
        await using var session = await EmulatorSession.StartAsync(o => o.ValidationDelayMs = 0);

        using var response = await session.ControlAsync(HttpMethod.Patch, "settings", JsonDocument.Parse(patch).RootElement);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(0, session.Host.Options.ValidationDelayMs);
        Assert.Equal(EmulatorDefaults.TokenLifetimeSeconds, session.Host.Options.TokenLifetimeSeconds);
    }

    [Fact]
    public async Task Reset_restores_the_start_settings_and_forgets_media_but_keeps_the_seeded_conversation()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.UploadUrlLifetimeSeconds = 120);
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "a.pdf", SampleFiles.Pdf());
        var storedFile = session.Host.State.FindMedia(ticket.Id)!.Upload!.StoragePath;
        using (await session.ControlAsync(HttpMethod.Post, "conversations")) { }
        using (await session.ControlAsync(HttpMethod.Patch, "settings", new { uploadUrlLifetimeSeconds = 1 })) { }

        using (var reset = await session.ControlAsync(HttpMethod.Post, "reset")) Assert.Equal(200, (int)reset.StatusCode);

        Assert.Equal(120, session.Host.Options.UploadUrlLifetimeSeconds);
        Assert.Empty(session.Host.State.Media);
        Assert.Empty(session.Host.State.Requests);
        var conversation = Assert.Single(session.Host.State.Conversations);
        Assert.Equal(EmulatorDefaults.ConversationId, conversation.ConversationId);
        Assert.False(File.Exists(storedFile));
    }

    [Fact]
    public async Task The_request_log_records_paths_without_query_strings_and_can_be_cleared()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.SendApiAsync(HttpMethod.Get, EmulatorSession.CommunicationPath + "/media?status=valid", token)) { }

        using var log = await session.ControlAsync(HttpMethod.Get, "requests?route=medialist");
        var entries = (await EmulatorSession.JsonOf(log)).EnumerateArray().ToArray();

        var entry = Assert.Single(entries);
        Assert.Equal("/" + EmulatorSession.CommunicationPath + "/media", entry.GetProperty("path").GetString());
        Assert.True(entry.GetProperty("hadAuthorizationHeader").GetBoolean());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.Contains("Authorization", entry.GetProperty("headerNames").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(session.Host.State.Requests, r => r.Path.StartsWith("/emulator", StringComparison.Ordinal));

        using (var cleared = await session.ControlAsync(HttpMethod.Delete, "requests")) Assert.Equal(204, (int)cleared.StatusCode);
        Assert.Empty(session.Host.State.Requests);
    }

    [Fact]
    public async Task The_emulator_media_view_explains_an_invalid_verdict()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Text(SampleFiles.Eicar);
        var (ticket, _) = await session.UploadAsync(token, "eicar.txt", content);

        using var response = await session.ControlAsync(HttpMethod.Get, "media/" + ticket.Id);
        var view = await EmulatorSession.JsonOf(response);

        Assert.Equal("invalid", view.GetProperty("status").GetString());
        Assert.Contains("EICAR", view.GetProperty("invalidReason").GetString());
        Assert.Equal(content.Length, view.GetProperty("byteCount").GetInt64());
        Assert.Matches("^[0-9a-f]{64}$", view.GetProperty("sha256").GetString());
        // Genesys never explains a verdict, so the platform API must not either.
        Assert.DoesNotContain("EICAR", (await session.GetMediaAsync(token, ticket.Id)).GetRawText());
    }

    [Fact]
    public async Task The_delivered_messages_are_listed()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { textBody = "ping" })) { }

        using var response = await session.ControlAsync(HttpMethod.Get, "messages");

        var message = Assert.Single((await EmulatorSession.JsonOf(response)).EnumerateArray());
        Assert.Equal("ping", message.GetProperty("textBody").GetString());
    }

    [Fact]
    public async Task Every_response_carries_a_fresh_correlation_id()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var first = await session.ControlAsync(HttpMethod.Get, "health");
        using var second = await session.Http.GetAsync("no/such/path");

        var firstId = Assert.Single(first.Headers.GetValues("ININ-Correlation-Id"));
        var secondId = Assert.Single(second.Headers.GetValues("ININ-Correlation-Id"));
        Assert.NotEqual(firstId, secondId);
        Assert.Equal("ok", (await EmulatorSession.JsonOf(first)).GetProperty("status").GetString());
    }
}
