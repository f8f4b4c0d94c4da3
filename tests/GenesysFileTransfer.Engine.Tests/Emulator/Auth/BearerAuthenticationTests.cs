using Xunit;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Auth;

public class BearerAuthenticationTests
{
    private static readonly string MediaList = EmulatorSession.CommunicationPath + "/media";

    [Fact]
    public async Task Api_call_without_a_token_is_401_authentication_required_with_the_correlation_id_as_context()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, token: null);

        Assert.Equal(401, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        Assert.Equal("authentication.required", json.GetProperty("code").GetString());
        Assert.Equal(401, json.GetProperty("status").GetInt32());
        var correlationId = Assert.Single(response.Headers.GetValues("ININ-Correlation-Id"));
        Assert.True(Guid.TryParse(correlationId, out _));
        Assert.Equal(correlationId, json.GetProperty("contextId").GetString());
        Assert.Equal(0, json.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Api_call_with_an_unknown_token_is_401_bad_credentials()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, "not-a-token-we-issued");

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("bad.credentials", (await EmulatorSession.JsonOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_revoked_token_stops_working_mid_run()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (var before = await session.SendApiAsync(HttpMethod.Get, MediaList, token)) Assert.Equal(200, (int)before.StatusCode);

        using (var revoke = await session.ControlAsync(HttpMethod.Post, "tokens/revoke")) Assert.Equal(200, (int)revoke.StatusCode);
        using var after = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(401, (int)after.StatusCode);
        Assert.Equal("bad.credentials", (await EmulatorSession.JsonOf(after)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_token_expires_after_its_lifetime()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.TokenLifetimeSeconds = 60);
        var token = await session.GetTokenAsync();

        session.Clock.Advance(TimeSpan.FromSeconds(59));
        using (var stillValid = await session.SendApiAsync(HttpMethod.Get, MediaList, token)) Assert.Equal(200, (int)stillValid.StatusCode);
        session.Clock.Advance(TimeSpan.FromSeconds(1));
        using var expired = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal(401, (int)expired.StatusCode);
        Assert.Equal("bad.credentials", (await EmulatorSession.JsonOf(expired)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task The_bearer_scheme_is_case_insensitive(string scheme)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, token, scheme: scheme);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task Successful_api_calls_carry_the_rate_limit_headers()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var first = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
        using var second = await session.SendApiAsync(HttpMethod.Get, MediaList, token);

        Assert.Equal("1", Assert.Single(first.Headers.GetValues("inin-ratelimit-count")));
        Assert.Equal("2", Assert.Single(second.Headers.GetValues("inin-ratelimit-count")));
        Assert.Equal(EmulatorDefaults.UnlimitedRateLimitAllowed.ToString(), Assert.Single(second.Headers.GetValues("inin-ratelimit-allowed")));
        Assert.True(int.Parse(Assert.Single(second.Headers.GetValues("inin-ratelimit-reset"))) > 0);
    }
}
