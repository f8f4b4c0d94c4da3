using Xunit;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Content;

public class SupportedContentTests
{
    [Fact]
    public async Task The_default_profile_reflects_the_live_outbound_list()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (var before = await session.SendApiAsync(HttpMethod.Get, "api/v2/conversations/messaging/supportedcontent/default", token))
        {
            var profile = await EmulatorSession.JsonOf(before);
            Assert.Equal(EmulatorDefaults.SupportedContentId, profile.GetProperty("id").GetString());
            Assert.Equal(EmulatorDefaults.OutboundMediaTypes, Types(profile, "outbound"));
            Assert.Equal(["*/*"], Types(profile, "inbound"));
        }

        session.Host.Options.OutboundMediaTypes = ["image/png"];
        using var after = await session.SendApiAsync(HttpMethod.Get,
            $"api/v2/conversations/messaging/supportedcontent/{EmulatorDefaults.SupportedContentId}", token);

        Assert.Equal(["image/png"], Types(await EmulatorSession.JsonOf(after), "outbound"));
    }

    [Fact]
    public async Task An_unknown_profile_is_404_and_the_profile_needs_a_token()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var unknown = await session.SendApiAsync(HttpMethod.Get, $"api/v2/conversations/messaging/supportedcontent/{Guid.NewGuid()}", token);
        using var anonymous = await session.SendApiAsync(HttpMethod.Get, "api/v2/conversations/messaging/supportedcontent/default", null);

        Assert.Equal(404, (int)unknown.StatusCode);
        Assert.Equal(401, (int)anonymous.StatusCode);
    }

    [Fact]
    public async Task The_deployment_configuration_is_readable_without_a_token_and_carries_file_upload_settings()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get,
            $"api/v2/webdeployments/deployments/{EmulatorDefaults.DeploymentId}/configurations", null);

        Assert.Equal(200, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        var fileUpload = json.GetProperty("configurationVersion").GetProperty("messenger").GetProperty("fileUpload");
        Assert.True(fileUpload.GetProperty("enableAttachments").GetBoolean());
        var mode = Assert.Single(fileUpload.GetProperty("modes").EnumerateArray());
        Assert.Equal(10240, mode.GetProperty("maxFileSizeKB").GetInt64());
        Assert.Contains("image/png", mode.GetProperty("fileTypes").EnumerateArray().Select(e => e.GetString()));
        var deployment = json.GetProperty("deployment");
        Assert.Equal("Active", deployment.GetProperty("status").GetString());
        Assert.Equal(EmulatorDefaults.SupportedContentId, deployment.GetProperty("supportedContent").GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_draft_configuration_needs_a_token_and_unknown_deployments_are_404()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var draftPath = $"api/v2/webdeployments/configurations/{EmulatorDefaults.ConfigurationId}/versions/draft";

        using var anonymousDraft = await session.SendApiAsync(HttpMethod.Get, draftPath, null);
        using var draft = await session.SendApiAsync(HttpMethod.Get, draftPath, token);
        using var unknown = await session.SendApiAsync(HttpMethod.Get, $"api/v2/webdeployments/deployments/{Guid.NewGuid()}/configurations", token);

        Assert.Equal(401, (int)anonymousDraft.StatusCode);
        Assert.Equal(200, (int)draft.StatusCode);
        Assert.Equal("draft", (await EmulatorSession.JsonOf(draft)).GetProperty("version").GetString());
        Assert.Equal(404, (int)unknown.StatusCode);
    }

    private static string[] Types(System.Text.Json.JsonElement profile, string direction)
        => profile.GetProperty("mediaTypes").GetProperty("allow").GetProperty(direction).EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()!).ToArray();
}
