using Xunit;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Auth;

public class RateLimitTests
{
    private static readonly string MediaList = EmulatorSession.CommunicationPath + "/media";

    [Fact]
    public async Task Exceeding_the_per_token_limit_is_a_normalized_429_with_retry_after()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.RateLimit = new RateLimitSettings(2, 30));
        var token = await session.GetTokenAsync();
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
            Assert.Equal(200, (int)allowed.StatusCode);
        }

        session.Clock.Advance(TimeSpan.FromSeconds(10));
        using var limited = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(429, (int)limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(20), limited.Headers.RetryAfter?.Delta);
        var json = await EmulatorSession.JsonOf(limited);
        Assert.Equal("too.many.requests.retry.after", json.GetProperty("code").GetString());
        Assert.Equal("Rate limit exceeded the maximum. Retry the request in [20] seconds", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_budget_comes_back_when_the_window_ends()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.RateLimit = new RateLimitSettings(1, 30));
        var token = await session.GetTokenAsync();
        using (var first = await session.SendApiAsync(HttpMethod.Get, MediaList, token)) Assert.Equal(200, (int)first.StatusCode);
        using (var limited = await session.SendApiAsync(HttpMethod.Get, MediaList, token)) Assert.Equal(429, (int)limited.StatusCode);

        session.Clock.Advance(TimeSpan.FromSeconds(30));
        using var again = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(200, (int)again.StatusCode);
    }

    [Fact]
    public async Task The_limit_is_per_token()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.RateLimit = new RateLimitSettings(1, 60));
        var first = await session.GetTokenAsync();
        var second = await session.GetTokenAsync();
        using (var used = await session.SendApiAsync(HttpMethod.Get, MediaList, first)) Assert.Equal(200, (int)used.StatusCode);

        using var other = await session.SendApiAsync(HttpMethod.Get, MediaList, second);

        Assert.Equal(200, (int)other.StatusCode);
    }
}
