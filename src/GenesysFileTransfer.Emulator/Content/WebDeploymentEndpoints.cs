using GenesysFileTransfer.Emulator.Http;

namespace GenesysFileTransfer.Emulator.Content;

/// <summary>The Messenger deployment and its configuration, for clients that read the file-upload settings.</summary>
internal static class WebDeploymentEndpoints
{
    /// <summary>FileUploadMode.fileTypes is an enum of exactly these three in the platform API.</summary>
    private static readonly string[] FileUploadTypes = ["image/jpeg", "image/gif", "image/png"];

    /// <summary>"The maximum file size for file uploads in kilobytes. Default is 10240 (10 MB)".</summary>
    private const long MaxFileSizeKB = 10240;

    public static void Map(IEndpointRouteBuilder app)
    {
        // The real endpoint needs no permission, so the bearer token is optional here.
        app.MapGet("/api/v2/webdeployments/deployments/{deploymentId}/configurations",
                (HttpContext context, string deploymentId, EmulatorOptions options) =>
                    string.Equals(deploymentId, EmulatorDefaults.DeploymentId, StringComparison.OrdinalIgnoreCase)
                        ? EmulatorJson.Ok(new WebDeploymentActiveConfigurationOnDeployment(Version(published: true), Deployment(options)))
                        : GenesysErrors.NotFound(context, "Deployment", deploymentId))
            .WithEmulatorRoute(EmulatorRoute.Deployments, BearerMode.Optional);

        app.MapGet("/api/v2/webdeployments/configurations/{configurationId}/versions/draft",
                (HttpContext context, string configurationId) =>
                    string.Equals(configurationId, EmulatorDefaults.ConfigurationId, StringComparison.OrdinalIgnoreCase)
                        ? EmulatorJson.Ok(Version(published: false))
                        : GenesysErrors.NotFound(context, "Configuration", configurationId))
            .WithEmulatorRoute(EmulatorRoute.Deployments, BearerMode.Required);
    }

    private static WebDeploymentConfigurationVersion Version(bool published)
    {
        var version = published ? "1" : "draft";
        return new WebDeploymentConfigurationVersion(
            EmulatorDefaults.ConfigurationId,
            "Emulator messenger configuration",
            version,
            published ? "Active" : "Pending",
            new MessengerSettings(true, new FileUploadSettings(true, [new FileUploadMode(FileUploadTypes, MaxFileSizeKB)])),
            $"/api/v2/webdeployments/configurations/{EmulatorDefaults.ConfigurationId}/versions/{version}");
    }

    private static WebDeployment Deployment(EmulatorOptions options)
        => new(
            EmulatorDefaults.DeploymentId,
            EmulatorDefaults.DeploymentName,
            "Active",
            new DeploymentSupportedContent(
                EmulatorDefaults.SupportedContentId,
                EmulatorDefaults.SupportedContentName,
                SupportedContentEndpoints.MediaTypesOf(options),
                $"/api/v2/conversations/messaging/supportedcontent/{EmulatorDefaults.SupportedContentId}"),
            $"/api/v2/webdeployments/deployments/{EmulatorDefaults.DeploymentId}");
}
