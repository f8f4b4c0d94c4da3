namespace GenesysFileTransfer.Emulator;

/// <summary>
/// The emulator's settings. The running emulator reads them on every request, so a test may change them at any time
/// (directly, or through <c>PATCH /emulator/settings</c>); each property is replaced as a whole, never mutated in place.
/// </summary>
public sealed class EmulatorOptions
{
    /// <summary>Port to listen on at 127.0.0.1; 0 picks a free port. Read once, at start.</summary>
    public int Port { get; set; }

    public string ClientId { get; set; } = EmulatorDefaults.ClientId;
    public string ClientSecret { get; set; } = EmulatorDefaults.ClientSecret;
    public int TokenLifetimeSeconds { get; set; } = EmulatorDefaults.TokenLifetimeSeconds;
    public int UploadUrlLifetimeSeconds { get; set; } = EmulatorDefaults.UploadUrlLifetimeSeconds;
    public int DownloadUrlLifetimeSeconds { get; set; } = EmulatorDefaults.DownloadUrlLifetimeSeconds;

    /// <summary>How long a media stays <c>uploading</c> after a successful PUT before it turns valid or invalid.</summary>
    public int ValidationDelayMs { get; set; } = EmulatorDefaults.ValidationDelayMs;

    public long MaxContentLengthBytes { get; set; } = EmulatorDefaults.MaxContentLengthBytes;

    /// <summary>Per-token request budget; null means unlimited.</summary>
    public RateLimitSettings? RateLimit { get; set; }

    /// <summary>The supported-content profile's outbound list; wildcards such as <c>image/*</c> and <c>*/*</c> work.</summary>
    public IReadOnlyList<string> OutboundMediaTypes { get; set; } = EmulatorDefaults.OutboundMediaTypes;

    public IReadOnlyList<string> InboundMediaTypes { get; set; } = EmulatorDefaults.InboundMediaTypes;

    /// <summary>
    /// Genesys: "Only one message body field can be accepted, per request". When true, a message with more than one
    /// mediaId, or with textBody and mediaIds together, is refused with 400.
    /// </summary>
    public bool StrictSingleBodyField { get; set; } = true;

    /// <summary>
    /// S3 refuses a presigned request that also carries an Authorization header (400 InvalidArgument, "Only one auth
    /// mechanism allowed"). Leaking the Genesys bearer token to storage is a bug worth failing loudly on.
    /// </summary>
    public bool RejectAuthorizationOnPresignedUrl { get; set; } = true;

    /// <summary>Oldest request-log entries are dropped beyond this count, so long benchmarks don't grow memory.</summary>
    public int RequestLogCapacity { get; set; } = EmulatorDefaults.RequestLogCapacity;

    /// <summary>The clock for token, URL and validation timing; inject a fake one to test expiry without sleeping.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where uploaded bytes are kept; null means a fresh folder under the system temp path. Deleted on dispose.</summary>
    public string? StorageDirectory { get; set; }

    internal DateTimeOffset UtcNow => TimeProvider.GetUtcNow();

    internal EmulatorOptions Clone() => (EmulatorOptions)MemberwiseClone();

    /// <summary>Restores the tunable settings; the port, clock and storage folder belong to the running host.</summary>
    internal void RestoreSettingsFrom(EmulatorOptions source)
    {
        ClientId = source.ClientId;
        ClientSecret = source.ClientSecret;
        TokenLifetimeSeconds = source.TokenLifetimeSeconds;
        UploadUrlLifetimeSeconds = source.UploadUrlLifetimeSeconds;
        DownloadUrlLifetimeSeconds = source.DownloadUrlLifetimeSeconds;
        ValidationDelayMs = source.ValidationDelayMs;
        MaxContentLengthBytes = source.MaxContentLengthBytes;
        RateLimit = source.RateLimit;
        OutboundMediaTypes = source.OutboundMediaTypes;
        InboundMediaTypes = source.InboundMediaTypes;
        StrictSingleBodyField = source.StrictSingleBodyField;
        RejectAuthorizationOnPresignedUrl = source.RejectAuthorizationOnPresignedUrl;
        RequestLogCapacity = source.RequestLogCapacity;
    }

    internal void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0-65535.");
        if (string.IsNullOrEmpty(ClientId)) throw new ArgumentException("ClientId is required.", nameof(ClientId));
        if (string.IsNullOrEmpty(ClientSecret)) throw new ArgumentException("ClientSecret is required.", nameof(ClientSecret));
        RequirePositive(TokenLifetimeSeconds, nameof(TokenLifetimeSeconds));
        RequirePositive(UploadUrlLifetimeSeconds, nameof(UploadUrlLifetimeSeconds));
        RequirePositive(DownloadUrlLifetimeSeconds, nameof(DownloadUrlLifetimeSeconds));
        if (ValidationDelayMs < 0) throw new ArgumentOutOfRangeException(nameof(ValidationDelayMs), ValidationDelayMs, "Must not be negative.");
        if (MaxContentLengthBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxContentLengthBytes), MaxContentLengthBytes, "Must be positive.");
        RequirePositive(RequestLogCapacity, nameof(RequestLogCapacity));
        if (RateLimit is { } limit && (limit.Requests <= 0 || limit.WindowSeconds <= 0))
            throw new ArgumentException("RateLimit needs positive Requests and WindowSeconds.", nameof(RateLimit));
        ArgumentNullException.ThrowIfNull(OutboundMediaTypes);
        ArgumentNullException.ThrowIfNull(InboundMediaTypes);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
    }
}

/// <summary>At most <see cref="Requests"/> API calls per token in each window of <see cref="WindowSeconds"/>.</summary>
public sealed record RateLimitSettings(int Requests, int WindowSeconds);
