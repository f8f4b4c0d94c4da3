using Xunit;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Hosting;

public class EmulatorHostTests
{
    [Fact]
    public async Task Each_host_listens_on_its_own_free_loopback_port()
    {
        await using var first = await EmulatorHost.StartAsync();
        await using var second = await EmulatorHost.StartAsync();

        Assert.Equal("127.0.0.1", first.BaseUri.Host);
        Assert.NotEqual(0, first.BaseUri.Port);
        Assert.NotEqual(first.BaseUri.Port, second.BaseUri.Port);
        Assert.EndsWith("/", first.BaseUri.AbsoluteUri);
        using var http = new HttpClient { BaseAddress = first.BaseUri };
        using var health = await http.GetAsync("emulator/health");
        Assert.Equal(200, (int)health.StatusCode);
    }

    [Fact]
    public async Task The_default_options_are_the_documented_defaults()
    {
        await using var host = await EmulatorHost.StartAsync();

        Assert.Equal("emulator-client", host.Options.ClientId);
        Assert.Equal(86399, host.Options.TokenLifetimeSeconds);
        Assert.Equal(900, host.Options.UploadUrlLifetimeSeconds);
        Assert.Equal(200, host.Options.ValidationDelayMs);
        Assert.Equal(26_214_400, host.Options.MaxContentLengthBytes);
        Assert.True(host.Options.StrictSingleBodyField);
        var seeded = Assert.Single(host.State.Conversations);
        Assert.Equal(new("4a4c0e8e-8a5b-4c1e-9d0a-2f1e6c1b7d10", "7c9e6679-7425-40de-944b-e07fc1f90ae7"), seeded);
    }

    [Fact]
    public async Task Real_clock_validation_turns_valid_after_the_delay()
    {
        // Validation is read off the clock, not scheduled: this proves it also works without a fake clock.
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { ValidationDelayMs = 100 });
        await using var session = await AttachAsync(host);
        var token = await session.GetTokenAsync();

        var (ticket, firstStatus) = await session.UploadAsync(token, "a.pdf", SampleFiles.Pdf());
        await Task.Delay(150);

        Assert.Equal("uploading", firstStatus);
        Assert.Equal("valid", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Disposing_the_host_deletes_the_stored_uploads_and_closes_the_port()
    {
        string storedFile;
        Uri baseUri;
        await using (var session = await EmulatorSession.StartAsync())
        {
            var (ticket, _) = await session.UploadAsync(await session.GetTokenAsync(), "a.pdf", SampleFiles.Pdf());
            storedFile = session.Host.State.FindMedia(ticket.Id)!.Upload!.StoragePath;
            baseUri = session.Host.BaseUri;
            Assert.True(File.Exists(storedFile));
        }

        Assert.False(File.Exists(storedFile));
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(baseUri, "emulator/health")));
    }

    [Fact]
    public async Task Invalid_options_are_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorHost.StartAsync(new EmulatorOptions { TokenLifetimeSeconds = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => EmulatorHost.StartAsync(new EmulatorOptions { RateLimit = new RateLimitSettings(0, 10) }));
    }

    /// <summary>Wraps an already started host (with the real clock) in the session helpers.</summary>
    private static Task<EmulatorSession> AttachAsync(EmulatorHost host) => EmulatorSession.AttachAsync(host);
}
