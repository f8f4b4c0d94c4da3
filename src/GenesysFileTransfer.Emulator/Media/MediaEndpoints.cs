using System.Globalization;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;
using GenesysFileTransfer.Emulator.Storage;

namespace GenesysFileTransfer.Emulator.Media;

/// <summary>The agent-side message media API: create a presigned upload, read one media, list them.</summary>
internal static class MediaEndpoints
{
    public const string CommunicationPath =
        "/api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages";

    private const int DefaultPageSize = 25;
    private const int MaxPageSize = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(CommunicationPath);
        group.MapPost("/media/uploads", CreateUploadAsync).WithEmulatorRoute(EmulatorRoute.Uploads, BearerMode.Required);
        group.MapGet("/media/{mediaId}", GetMedia).WithEmulatorRoute(EmulatorRoute.Media, BearerMode.Required);
        group.MapGet("/media", ListMedia).WithEmulatorRoute(EmulatorRoute.MediaList, BearerMode.Required);
    }

    /// <summary>The conversation and communication, or the 404 to answer with.</summary>
    internal static IResult? Resolve(HttpContext context, EmulatorState state, string conversationId, string communicationId)
    {
        if (state.FindConversation(conversationId, communicationId) is not null) return null;
        return state.Conversations.Any(c => string.Equals(c.ConversationId, conversationId, StringComparison.OrdinalIgnoreCase))
            ? GenesysErrors.NotFound(context, "Communication", communicationId)
            : GenesysErrors.NotFound(context, "Conversation", conversationId);
    }

    private static async Task<IResult> CreateUploadAsync(
        HttpContext context, string conversationId, string communicationId,
        EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        if (Resolve(context, state, conversationId, communicationId) is { } notFound) return notFound;
        var conversation = state.FindConversation(conversationId, communicationId)!;

        var (body, ok) = await JsonBody.ReadAsync<UploadMediaRequest>(context);
        if (!ok || body is null) return GenesysErrors.MalformedBody(context);

        if (FileNameRules.Check(body.FileName) is { } nameProblem)
            return GenesysErrors.InvalidValue(context, "fileName", nameProblem);
        var fileName = body.FileName!;

        if (body.ContentLengthBytes is not > 0)
            return GenesysErrors.InvalidValue(context, "contentLengthBytes", "contentLengthBytes must be greater than 0.");

        // Too large is a size-limit problem, not a malformed value: Genesys' size-limit code is 413
        // request.entity.too.large ("The request is over the size limit. Maximum bytes: %s"), so a client can tell
        // "file too big for Genesys" apart from "my request is wrong".
        var max = options.MaxContentLengthBytes;
        if (body.ContentLengthBytes > max)
            return GenesysErrors.Error(context, 413, "request.entity.too.large",
                $"The request is over the size limit. Maximum bytes: {max.ToString(CultureInfo.InvariantCulture)}",
                new ErrorDetail(FieldName: "contentLengthBytes"));

        if (body.ContentMd5 is { } md5 && !S3Endpoints.TryDecodeMd5(md5, out _))
            return GenesysErrors.InvalidValue(context, "contentMd5", "contentMd5 must be the base64 encoding of a 16-byte MD5 digest.");

        var contentType = MediaTypes.FromFileName(fileName);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Content-Type"] = contentType,
            ["x-amz-tagging"] = $"organizationId={EmulatorDefaults.OrganizationId}&originPlatform=PureCloud&role=darth&owner=emulator",
        };
        if (body.ContentMd5 is not null) headers["Content-MD5"] = body.ContentMd5.Trim();
        var signedHeaders = body.ContentMd5 is null ? "content-type;host;x-amz-tagging" : "content-md5;content-type;host;x-amz-tagging";

        var id = Guid.NewGuid().ToString();
        var now = options.UtcNow;
        var ttl = options.UploadUrlLifetimeSeconds;
        var uploadUrl = signer.CreateUrl(context.BaseUrl(), HttpMethods.Put, id, fileName, now, ttl, signedHeaders);
        var signedAt = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        state.AddMedia(sequence => new MediaRecord(
            sequence, id, fileName, conversation, body.ContentLengthBytes.Value, body.ContentMd5?.Trim(), contentType,
            headers, uploadUrl, now, signedAt.AddSeconds(ttl), options.TimeProvider));

        return EmulatorJson.Ok(new MessageMediaUploadData(id, fileName, uploadUrl, headers, MediaSelfUri(conversation, id)));
    }

    private static IResult GetMedia(
        HttpContext context, string conversationId, string communicationId, string mediaId,
        EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        if (Resolve(context, state, conversationId, communicationId) is { } notFound) return notFound;
        var media = state.FindMedia(mediaId);
        if (media is null || !BelongsTo(media, conversationId, communicationId))
            return GenesysErrors.NotFound(context, "Media", mediaId);
        return EmulatorJson.Ok(ToData(context, media, options, signer, options.UtcNow));
    }

    private static IResult ListMedia(
        HttpContext context, string conversationId, string communicationId,
        EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        if (Resolve(context, state, conversationId, communicationId) is { } notFound) return notFound;

        var query = context.Request.Query;
        string? status = null;
        if (query.TryGetValue("status", out var statusValues) && !string.IsNullOrEmpty(statusValues.ToString()))
        {
            status = statusValues.ToString();
            if (!MediaStatus.IsKnown(status))
                return GenesysErrors.InvalidValue(context, "status",
                    $"Value [{status}] is not valid for field type [status]. Allowable values are: uploading, valid, invalid");
        }

        if (!TryReadPositive(query, "pageNumber", 1, int.MaxValue, out var pageNumber))
            return GenesysErrors.InvalidValue(context, "pageNumber", "pageNumber must be a whole number of at least 1.");
        if (!TryReadPositive(query, "pageSize", DefaultPageSize, MaxPageSize, out var pageSize))
            return GenesysErrors.InvalidValue(context, "pageSize", $"pageSize must be a whole number from 1 to {MaxPageSize}.");

        var now = options.UtcNow;
        var matching = state.Media
            .Where(m => BelongsTo(m, conversationId, communicationId))
            .Where(m => status is null || m.StatusAt(now) == status)
            .ToList();
        var pageCount = (matching.Count + pageSize - 1) / pageSize;
        var entities = matching
            .Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize))
            .Take(pageSize)
            .Select(m => ToData(context, m, options, signer, now))
            .ToList();

        var listPath = $"/api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages/media";
        string Page(int number) => $"{listPath}?pageSize={pageSize}&pageNumber={number}" + (status is null ? string.Empty : $"&status={status}");

        return EmulatorJson.Ok(new MessageMediaListing(
            entities,
            pageSize,
            pageNumber,
            matching.Count,
            pageCount,
            Page(pageNumber),
            Page(1),
            Page(Math.Max(1, pageCount)),
            pageNumber < pageCount ? Page(pageNumber + 1) : null,
            pageNumber > 1 ? Page(Math.Min(pageNumber - 1, Math.Max(1, pageCount))) : null));
    }

    internal static MessageMediaData ToData(
        HttpContext context, MediaRecord media, EmulatorOptions options, PresignedUrlSigner signer, DateTimeOffset now)
    {
        var status = media.StatusAt(now);
        var upload = media.Upload;
        return new MessageMediaData(
            media.Id,
            media.Name,
            status == MediaStatus.Valid ? DownloadUrl(context, media, options, signer, now) : null,
            status == MediaStatus.Uploading ? null : upload?.DetectedMediaType,
            media.DeclaredContentLengthBytes,
            media.UploadUrl,
            status,
            media.ConversationId,
            media.CommunicationId,
            MediaSelfUri(new ConversationRecord(media.ConversationId, media.CommunicationId), media.Id));
    }

    internal static string DownloadUrl(HttpContext context, MediaRecord media, EmulatorOptions options, PresignedUrlSigner signer, DateTimeOffset now)
        => signer.CreateUrl(context.BaseUrl(), HttpMethods.Get, media.Id, media.Name, now, options.DownloadUrlLifetimeSeconds, "host");

    internal static bool BelongsTo(MediaRecord media, string conversationId, string communicationId)
        => string.Equals(media.ConversationId, conversationId, StringComparison.OrdinalIgnoreCase)
           && string.Equals(media.CommunicationId, communicationId, StringComparison.OrdinalIgnoreCase);

    private static string MediaSelfUri(ConversationRecord conversation, string mediaId)
        => $"/api/v2/conversations/messages/{conversation.ConversationId}/communications/{conversation.CommunicationId}/messages/media/{mediaId}";

    private static bool TryReadPositive(IQueryCollection query, string name, int fallback, int max, out int value)
    {
        value = fallback;
        if (!query.TryGetValue(name, out var raw) || string.IsNullOrEmpty(raw.ToString())) return true;
        return int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max;
    }
}
