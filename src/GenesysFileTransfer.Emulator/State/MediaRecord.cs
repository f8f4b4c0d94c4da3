namespace GenesysFileTransfer.Emulator.State;

/// <summary>
/// One media created by <c>POST …/messages/media/uploads</c>. The upload half is filled in by a successful PUT.
/// </summary>
public sealed class MediaRecord
{
    private readonly TimeProvider _clock;
    private MediaUpload? _upload;

    internal MediaRecord(
        long sequence,
        string id,
        string name,
        ConversationRecord conversation,
        long declaredContentLengthBytes,
        string? contentMd5,
        string declaredContentType,
        IReadOnlyDictionary<string, string> uploadHeaders,
        string uploadUrl,
        DateTimeOffset createdAt,
        DateTimeOffset uploadUrlExpiresAt,
        TimeProvider clock)
    {
        Sequence = sequence;
        Id = id;
        Name = name;
        ConversationId = conversation.ConversationId;
        CommunicationId = conversation.CommunicationId;
        DeclaredContentLengthBytes = declaredContentLengthBytes;
        ContentMd5 = contentMd5;
        DeclaredContentType = declaredContentType;
        UploadHeaders = uploadHeaders;
        UploadUrl = uploadUrl;
        CreatedAt = createdAt;
        UploadUrlExpiresAt = uploadUrlExpiresAt;
        _clock = clock;
    }

    internal long Sequence { get; }
    public string Id { get; }
    public string Name { get; }
    public string ConversationId { get; }
    public string CommunicationId { get; }
    public long DeclaredContentLengthBytes { get; }

    /// <summary>The contentMd5 given when the upload was created (base64 of the digest), if any.</summary>
    public string? ContentMd5 { get; }

    /// <summary>The Content-Type handed out in uploadHeaders, derived from the file name's extension.</summary>
    public string DeclaredContentType { get; }

    public IReadOnlyDictionary<string, string> UploadHeaders { get; }
    public string UploadUrl { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UploadUrlExpiresAt { get; }

    /// <summary>The last successful PUT, or null while nothing has been uploaded.</summary>
    public MediaUpload? Upload => Volatile.Read(ref _upload);

    /// <summary>
    /// uploading until a PUT succeeded and the validation delay has passed, then valid or invalid. Worked out from the
    /// clock on each read rather than by a timer, so a fake clock moves it deterministically.
    /// </summary>
    public string Status => StatusAt(_clock.GetUtcNow());

    /// <summary>Why the media was judged invalid (emulator-only; Genesys never says), once that is visible.</summary>
    public string? InvalidReason => Status == MediaStatus.Invalid ? Upload?.InvalidReason : null;

    internal string StatusAt(DateTimeOffset now)
    {
        var upload = Upload;
        if (upload is null || now < upload.ValidationDueAt) return MediaStatus.Uploading;
        return upload.InvalidReason is null ? MediaStatus.Valid : MediaStatus.Invalid;
    }

    /// <summary>Like S3, a later PUT to the same URL replaces the object; the last one wins.</summary>
    internal MediaUpload? ReplaceUpload(MediaUpload upload) => Interlocked.Exchange(ref _upload, upload);

    /// <summary>Opens the stored bytes of the last successful PUT.</summary>
    public Stream OpenContent()
    {
        var upload = Upload ?? throw new InvalidOperationException($"Media {Id} has not been uploaded.");
        return new FileStream(upload.StoragePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }
}

/// <summary>What a successful PUT delivered and what the emulator's "validation" concluded about it.</summary>
public sealed record MediaUpload(
    DateTimeOffset CompletedAt,
    DateTimeOffset ValidationDueAt,
    long ByteCount,
    string Sha256Hex,
    string Md5Hex,
    string ContentType,
    string DetectedMediaType,
    string? InvalidReason,
    bool HadAuthorizationHeader,
    string StoragePath);
