namespace GenesysFileTransfer.Emulator.Http;

/// <summary>How an endpoint treats the Genesys bearer token.</summary>
internal enum BearerMode
{
    /// <summary>Not a platform API call (login, storage, control surface).</summary>
    None,

    /// <summary>Missing or bad token is a 401.</summary>
    Required,

    /// <summary>The real endpoint needs no permission: a token is accepted (and counted) but not demanded.</summary>
    Optional,
}

/// <summary>
/// Endpoint metadata naming the route the way fault rules and the request log refer to it, so neither has to
/// re-parse paths.
/// </summary>
internal sealed record EmulatorRoute(string Name, BearerMode Bearer)
{
    public const string Token = "token";
    public const string Uploads = "uploads";
    public const string Media = "media";

    /// <summary>Listing a communication's media (its own route, so a fault can refuse the listing alone, as Genesys does without conversation:messageMedia:view).</summary>
    public const string MediaList = "medialist";
    public const string Messages = "messages";
    public const string S3 = "s3";

    /// <summary>Reading a messaging conversation back: the conversation, its messages in batch, one message.</summary>
    public const string Conversations = "conversations";

    /// <summary>The S3-compatible object store under /objectstore (document archiving).</summary>
    public const string ObjectStore = "objectstore";
    public const string SupportedContent = "supportedcontent";
    public const string Deployments = "deployments";
    public const string Control = "control";
    public const string Unknown = "unknown";

    /// <summary>The names a fault rule may target ("*" matches any of them).</summary>
    public static IReadOnlyList<string> FaultTargets { get; } =
        [Token, Uploads, Media, MediaList, Messages, Conversations, S3, SupportedContent, Deployments, ObjectStore];

    public static EmulatorRoute? Of(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<EmulatorRoute>();
}

internal static class EmulatorRouteExtensions
{
    public static TBuilder WithEmulatorRoute<TBuilder>(this TBuilder builder, string name, BearerMode bearer)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new EmulatorRoute(name, bearer));
}
