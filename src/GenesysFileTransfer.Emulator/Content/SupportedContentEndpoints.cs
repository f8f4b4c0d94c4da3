using GenesysFileTransfer.Emulator.Http;

namespace GenesysFileTransfer.Emulator.Content;

/// <summary>The organisation's single supported-content profile, built from the live outbound/inbound settings.</summary>
internal static class SupportedContentEndpoints
{
    private const string BasePath = "/api/v2/conversations/messaging/supportedcontent";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(BasePath, (EmulatorOptions options) => EmulatorJson.Ok(new SupportedContentListing(
                [Profile(options)], 25, 1, 1, 1, $"{BasePath}?pageSize=25&pageNumber=1", $"{BasePath}?pageSize=25&pageNumber=1",
                $"{BasePath}?pageSize=25&pageNumber=1")))
            .WithEmulatorRoute(EmulatorRoute.SupportedContent, BearerMode.Required);
        app.MapGet(BasePath + "/default", (EmulatorOptions options) => EmulatorJson.Ok(Profile(options)))
            .WithEmulatorRoute(EmulatorRoute.SupportedContent, BearerMode.Required);
        app.MapGet(BasePath + "/{supportedContentId}", (HttpContext context, string supportedContentId, EmulatorOptions options) =>
                string.Equals(supportedContentId, EmulatorDefaults.SupportedContentId, StringComparison.OrdinalIgnoreCase)
                    ? EmulatorJson.Ok(Profile(options))
                    : GenesysErrors.NotFound(context, "Supported content", supportedContentId))
            .WithEmulatorRoute(EmulatorRoute.SupportedContent, BearerMode.Required);
    }

    public static SupportedContent Profile(EmulatorOptions options)
        => new(EmulatorDefaults.SupportedContentId, EmulatorDefaults.SupportedContentName, 1, MediaTypesOf(options),
            $"{BasePath}/{EmulatorDefaults.SupportedContentId}");

    public static MediaTypes MediaTypesOf(EmulatorOptions options)
        => new(new MediaTypeAccess(
            options.InboundMediaTypes.Select(t => new MediaTypeEntry(t)).ToArray(),
            options.OutboundMediaTypes.Select(t => new MediaTypeEntry(t)).ToArray()));
}
