namespace GenesysFileTransfer.Emulator;

/// <summary>
/// The values a fresh emulator starts with. The identifiers are fixed so scripts and tests can hard-code them; the
/// credentials are fake and only ever good for this local emulator.
/// </summary>
public static class EmulatorDefaults
{
    public const string ClientId = "emulator-client";
    public const string ClientSecret = "emulator-secret-0123456789";

    /// <summary>Genesys answers client-credentials logins with <c>expires_in: 86399</c> (24 h minus a second).</summary>
    public const int TokenLifetimeSeconds = 86399;

    /// <summary>Genesys does not publish the upload URL lifetime; 15 minutes is a typical presigned-URL choice.</summary>
    public const int UploadUrlLifetimeSeconds = 900;

    /// <summary>Genesys documents download URLs as typically expiring after 10 minutes.</summary>
    public const int DownloadUrlLifetimeSeconds = 600;

    public const int ValidationDelayMs = 200;

    /// <summary>"Genesys Cloud enables you to send and receive attachments up to 25 MB."</summary>
    public const long MaxContentLengthBytes = 26_214_400;

    public const string ConversationId = "4a4c0e8e-8a5b-4c1e-9d0a-2f1e6c1b7d10";
    public const string CommunicationId = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    public const string DeploymentId = "0d8f3c1a-5e2b-4f7d-9a6c-3b1e8d2f4a70";
    public const string DeploymentName = "Emulator web messaging deployment";
    public const string ConfigurationId = "b6f1d2e3-7a4c-4e8b-9d5f-1c2a3b4d5e60";
    public const string SupportedContentId = "e2c7a9b4-1d3f-4a6e-8b5c-9f0d1e2a3b40";
    public const string SupportedContentName = "Emulator default";
    public const string OrganizationId = "1f5e9a3c-7b2d-4c8e-a6f0-4d3b2a1c0e90";

    /// <summary>
    /// Reported in <c>inin-ratelimit-allowed</c> while no rate limit is configured (an emulator choice; nothing is
    /// enforced at this level). It is far above anything a test or benchmark sends, because the module paces its
    /// requests by these headers: advertising Genesys' usual 300 a minute without enforcing it would slow every
    /// unlimited run down to that pace. Configure <c>rateLimit</c> to get a real limit.
    /// </summary>
    public const int UnlimitedRateLimitAllowed = 1_000_000;

    public const int UnlimitedRateLimitWindowSeconds = 60;

    public const int RequestLogCapacity = 10_000;

    /// <summary>Everything inbound, as in Genesys' own default profile.</summary>
    public static IReadOnlyList<string> InboundMediaTypes { get; } = ["*/*"];

    /// <summary>
    /// Genesys' own default profile allows outbound jpg, png and gif only. The emulator's organisation has also
    /// enabled documents, so a demo can send PDF and text files.
    /// </summary>
    public static IReadOnlyList<string> OutboundMediaTypes { get; } =
        ["image/jpeg", "image/png", "image/gif", "application/pdf", "text/plain"];
}
