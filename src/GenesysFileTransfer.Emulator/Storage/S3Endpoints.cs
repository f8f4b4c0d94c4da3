using System.Buffers;
using System.Security.Cryptography;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.Media;
using GenesysFileTransfer.Emulator.State;
using Microsoft.AspNetCore.Http.Features;

namespace GenesysFileTransfer.Emulator.Storage;

/// <summary>
/// The storage side of a presigned upload: S3's checks, in S3's order, answered with S3's XML errors. There is no
/// Genesys authentication here; the URL itself is the credential.
/// </summary>
internal static class S3Endpoints
{
    private const string Pattern = PresignedUrlSigner.PathPrefix + "{mediaId}/{**objectName}";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPut(Pattern, PutAsync).WithEmulatorRoute(EmulatorRoute.S3, BearerMode.None);
        app.MapGet(Pattern, Get).WithEmulatorRoute(EmulatorRoute.S3, BearerMode.None);
    }

    private static async Task<IResult> PutAsync(
        HttpContext context, string mediaId, EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        var request = context.Request;
        var now = options.UtcNow;
        var hadAuthorization = request.Headers.ContainsKey("Authorization");
        if (hadAuthorization && options.RejectAuthorizationOnPresignedUrl) return S3Errors.OnlyOneAuthMechanism(context);

        var objectName = RawObjectName(context, mediaId);
        var check = signer.Verify(HttpMethods.Put, mediaId, objectName, request.Query, now);
        if (check == PresignedCheck.SignatureMismatch) return S3Errors.SignatureDoesNotMatch(context);
        if (check == PresignedCheck.Expired) return S3Errors.Expired(context);

        // A correctly signed URL whose media Genesys no longer knows (forgotten, as after a service restart): the
        // upload it was issued for is gone, which S3 reports as NoSuchUpload.
        var media = state.FindMedia(mediaId);
        if (media is null) return S3Errors.NoSuchUpload(context);
        if (!string.Equals(media.Name, objectName, StringComparison.Ordinal)) return S3Errors.AccessDenied(context);

        // The upload headers are part of what was signed: each must come back exactly as handed out.
        foreach (var (name, value) in media.UploadHeaders)
        {
            if (!request.Headers.TryGetValue(name, out var sent) || sent.Count != 1 || !string.Equals(sent[0], value, StringComparison.Ordinal))
                return S3Errors.SignatureDoesNotMatch(context);
        }

        if (request.Headers.TransferEncoding.Count > 0 || request.ContentLength is null) return S3Errors.MissingContentLength(context);

        byte[]? expectedMd5 = null;
        if (request.Headers.TryGetValue("Content-MD5", out var md5Header) && !TryDecodeMd5(md5Header.ToString(), out expectedMd5))
            return S3Errors.InvalidDigest(context);

        var declared = media.DeclaredContentLengthBytes;
        var path = state.Blobs.NewUploadPath(media.Id);
        var keep = false;
        var sink = new UploadSink(path, declared, checkText: media.DeclaredContentType == MediaTypes.Text);
        try
        {
            UploadFacts facts;
            try
            {
                await CopyBodyAsync(request.Body, sink, context.RequestAborted);
                facts = await sink.CompleteAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
            {
                // The client went away mid-body; nobody is left to read an answer, but S3 would call it incomplete.
                return S3Errors.IncompleteBody(context);
            }

            if (facts.ByteCount < declared) return S3Errors.IncompleteBody(context);
            if (facts.ByteCount > declared) return S3Errors.TooManyBytes(context, declared);
            if (expectedMd5 is not null && !CryptographicOperations.FixedTimeEquals(expectedMd5, facts.Md5))
                return S3Errors.BadDigest(context);

            var detected = ContentVerdict.Detect(facts);
            var completedAt = options.UtcNow;
            var upload = new MediaUpload(
                completedAt,
                completedAt.AddMilliseconds(options.ValidationDelayMs),
                facts.ByteCount,
                facts.Sha256Hex,
                Convert.ToHexStringLower(facts.Md5),
                media.DeclaredContentType,
                detected,
                ContentVerdict.InvalidReason(media.DeclaredContentType, detected, facts, options),
                hadAuthorization,
                path);
            var previous = media.ReplaceUpload(upload);
            if (previous is not null) BlobStore.TryDelete(previous.StoragePath);
            keep = true;

            context.Response.Headers.ETag = $"\"{upload.Md5Hex}\"";
            context.Response.Headers["x-amz-request-id"] = S3Errors.RequestId(context);
            return Results.Ok();
        }
        finally
        {
            await sink.DisposeAsync();
            if (!keep) BlobStore.TryDelete(path);
        }
    }

    /// <summary>The media's download URL (MessageMediaData.url): same signing, method GET, "host" the only signed header.</summary>
    private static IResult Get(HttpContext context, string mediaId, EmulatorOptions options, EmulatorState state, PresignedUrlSigner signer)
    {
        var objectName = RawObjectName(context, mediaId);
        var check = signer.Verify(HttpMethods.Get, mediaId, objectName, context.Request.Query, options.UtcNow);
        if (check == PresignedCheck.SignatureMismatch) return S3Errors.SignatureDoesNotMatch(context);
        if (check == PresignedCheck.Expired) return S3Errors.Expired(context);

        var media = state.FindMedia(mediaId);
        var upload = media?.Upload;
        if (media is null || upload is null || !string.Equals(media.Name, objectName, StringComparison.Ordinal) || !File.Exists(upload.StoragePath))
            return S3Errors.NoSuchKey(context);

        context.Response.Headers.ETag = $"\"{upload.Md5Hex}\"";
        context.Response.Headers["x-amz-request-id"] = S3Errors.RequestId(context);
        return Results.File(upload.StoragePath, upload.ContentType);
    }

    /// <summary>
    /// Moves the body through the sink in large chunks: Kestrel hands out 4 KB segments, and per-call overhead of
    /// the hash functions at that size roughly doubles their cost.
    /// </summary>
    private static async Task CopyBodyAsync(Stream body, UploadSink sink, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(UploadSink.ChunkSize);
        try
        {
            while (true)
            {
                var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (read > 0) await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (read < buffer.Length) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The object name exactly as the URL spelled it, decoded once. Taken from the raw request target because the
    /// routed value would leave an encoded slash (%2F) encoded.
    /// </summary>
    private static string RawObjectName(HttpContext context, string mediaId)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) raw = raw[..query];
        var prefix = PresignedUrlSigner.PathPrefix + mediaId + "/";
        var at = raw.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        return at < 0 ? string.Empty : Uri.UnescapeDataString(raw[(at + prefix.Length)..]);
    }

    internal static bool TryDecodeMd5(string value, out byte[] digest)
    {
        digest = new byte[16];
        Span<byte> buffer = stackalloc byte[18];
        if (!Convert.TryFromBase64String(value.Trim(), buffer, out var written) || written != 16) return false;
        buffer[..16].CopyTo(digest);
        return true;
    }
}
