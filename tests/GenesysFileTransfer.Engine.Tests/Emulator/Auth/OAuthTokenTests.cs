using Xunit;
using System.Net.Http.Json;
using System.Text.Json;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Auth;

public class OAuthTokenTests
{
    private static readonly string GoodClient = EmulatorSession.BasicCredentials(EmulatorDefaults.ClientId, EmulatorDefaults.ClientSecret);

    [Fact]
    public async Task Client_credentials_grant_returns_a_bearer_token_with_the_configured_lifetime()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.TokenLifetimeSeconds = 3600);

        using var response = await session.RequestTokenAsync(GoodClient);

        Assert.Equal(200, (int)response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("access_token").GetString()));
        Assert.Equal("bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        Assert.Equal(1, session.Host.State.ActiveTokenCount);
    }

    [Fact]
    public async Task Each_login_gets_a_different_token()
    {
        await using var session = await EmulatorSession.StartAsync();

        Assert.NotEqual(await session.GetTokenAsync(), await session.GetTokenAsync());
    }

    [Theory]
    [InlineData(EmulatorDefaults.ClientId, "wrong-secret")]
    [InlineData("someone-else", EmulatorDefaults.ClientSecret)]
    public async Task Wrong_client_credentials_are_401_invalid_client(string clientId, string secret)
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.RequestTokenAsync(EmulatorSession.BasicCredentials(clientId, secret));

        Assert.Equal(401, (int)response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_client", json.GetProperty("error").GetString());
        Assert.True(json.TryGetProperty("error_description", out _));
    }

    [Fact]
    public async Task Missing_basic_authentication_is_401_invalid_client()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.RequestTokenAsync(basic: null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("invalid_client", (await EmulatorSession.JsonOf(response)).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("password", "unauthorized_client")]
    [InlineData("authorization_code", "unauthorized_client")]
    [InlineData("made_up", "unsupported_grant_type")]
    [InlineData(null, "unsupported_grant_type")]
    public async Task A_grant_other_than_client_credentials_is_400_with_an_oauth_error(string? grant, string expectedError)
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.RequestTokenAsync(GoodClient, grant);

        Assert.Equal(400, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        Assert.Equal(expectedError, json.GetProperty("error").GetString());
        Assert.Equal(json.GetProperty("description").GetString(), json.GetProperty("error_description").GetString());
    }
}
