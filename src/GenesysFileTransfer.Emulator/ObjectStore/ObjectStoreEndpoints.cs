using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace GenesysFileTransfer.Emulator.ObjectStore;

/// <summary>
/// An S3-compatible object store under <c>/objectstore</c>, addressed path-style the way the AWS SDKs address an
/// S3-compatible endpoint: with <c>ServiceURL = http://127.0.0.1:PORT/objectstore</c> and <c>ForcePathStyle</c>, an
/// object is <c>/objectstore/{bucket}/{key}</c>. Buckets (create, head, delete, list), objects (PUT, GET, HEAD,
/// DELETE with <c>x-amz-meta-*</c>, ETag, <c>If-None-Match: *</c> and <c>If-Match</c>), ListObjectsV2, and the
/// checksums S3 verifies (Content-MD5, x-amz-content-sha256, x-amz-checksum-sha256/-sha1/-crc32/-crc32c as headers
/// or aws-chunked trailers). Signatures are not verified: any Authorization header, or none, is accepted.
/// </summary>
internal static class ObjectStoreEndpoints
{
    public const string Prefix = "/objectstore";

    private const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const string MetaPrefix = "x-amz-meta-";
    private const int MaxKeyBytes = 1024;
    private const int MaxMetadataBytes = 2048;
    private static readonly Regex BucketName = new("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant);
    private static readonly string[] ChecksumAlgorithms = ["sha256", "sha1", "crc32", "crc32c"];

    public static void Map(IEndpointRouteBuilder app)
    {
        var store = app.MapGroup(Prefix).WithEmulatorRoute(EmulatorRoute.ObjectStore, BearerMode.None);
        store.MapGet("/", ListBuckets);
        store.MapMethods("/{bucket}", [HttpMethods.Put], CreateBucket);
        store.MapMethods("/{bucket}", [HttpMethods.Head], HeadBucket);
        store.MapMethods("/{bucket}", [HttpMethods.Get], ListObjects);
        store.MapMethods("/{bucket}", [HttpMethods.Delete], DeleteBucket);
        store.MapMethods("/{bucket}/{**key}", [HttpMethods.Put], PutObjectAsync);
        store.MapMethods("/{bucket}/{**key}", [HttpMethods.Get], GetObject);
        store.MapMethods("/{bucket}/{**key}", [HttpMethods.Head], HeadObject);
        store.MapMethods("/{bucket}/{**key}", [HttpMethods.Delete], DeleteObject);

        // Multipart uploads and multi-object deletes are POSTs; say "not implemented" the way S3 words it, rather
        // than leave a client with a bare 405 it cannot explain.
        store.MapMethods("/{bucket}", [HttpMethods.Post], NotImplemented);
        store.MapMethods("/{bucket}/{**key}", [HttpMethods.Post], NotImplemented);
    }

    private static IResult ListBuckets(HttpContext context, ObjectStoreState store, EmulatorOptions options)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .Append("<ListAllMyBucketsResult xmlns=\"").Append(Namespace).Append("\"><Owner><ID>emulator</ID><DisplayName>emulator</DisplayName></Owner><Buckets>");
        foreach (var bucket in store.BucketNames())
        {
            xml.Append("<Bucket><Name>").Append(Escape(bucket)).Append("</Name><CreationDate>")
                .Append(IsoTime(store.CreatedAt(bucket) ?? options.UtcNow)).Append("</CreationDate></Bucket>");
        }

        xml.Append("</Buckets></ListAllMyBucketsResult>");
        return Xml(context, xml.ToString());
    }

    private static IResult CreateBucket(HttpContext context, string bucket, ObjectStoreState store, EmulatorOptions options)
    {
        if (!BucketName.IsMatch(bucket))
            return S3Errors.Error(context, 400, "InvalidBucketName", "The specified bucket is not valid.");
        if (!store.CreateBucket(bucket, options.UtcNow))
            return S3Errors.Error(context, 409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
        context.Response.Headers.Location = "/" + bucket;
        return Stamp(context, Results.Ok());
    }

    private static IResult HeadBucket(HttpContext context, string bucket, ObjectStoreState store)
        => Stamp(context, store.BucketExists(bucket) ? Results.Ok() : Results.StatusCode(404));

    private static IResult DeleteBucket(HttpContext context, string bucket, ObjectStoreState store)
        => store.DeleteBucket(bucket) switch
        {
            null => NoSuchBucket(context),
            false => S3Errors.Error(context, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty."),
            true => Stamp(context, Results.NoContent()),
        };

    /// <summary>ListObjectsV2 (<c>list-type=2</c>) and the original ListObjects: prefix, delimiter, max-keys, paging.</summary>
    private static IResult ListObjects(HttpContext context, string bucket, ObjectStoreState store)
    {
        var query = context.Request.Query;
        foreach (var subresource in new[] { "location", "versioning", "acl", "policy", "lifecycle", "tagging", "uploads", "versions" })
        {
            if (query.ContainsKey(subresource)) return NotImplemented(context);
        }

        var objects = store.List(bucket);
        if (objects is null) return NoSuchBucket(context);

        var v2 = query["list-type"].ToString() == "2";
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var urlEncoded = string.Equals(query["encoding-type"].ToString(), "url", StringComparison.OrdinalIgnoreCase);
        var maxKeys = int.TryParse(query["max-keys"], NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 0, 1000) : 1000;
        string after;
        if (v2)
        {
            var token = query["continuation-token"].ToString();
            after = token.Length > 0 ? DecodeToken(token) ?? string.Empty : query["start-after"].ToString();
        }
        else
        {
            after = query["marker"].ToString();
        }

        var contents = new List<StoredObject>();
        var commonPrefixes = new List<string>();
        string? last = null;
        var truncated = false;
        foreach (var item in objects)
        {
            if (!item.Key.StartsWith(prefix, StringComparison.Ordinal) || string.CompareOrdinal(item.Key, after) <= 0) continue;
            string? common = null;
            if (delimiter.Length > 0)
            {
                var at = item.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0) common = item.Key[..(at + delimiter.Length)];
            }

            if (common is not null && commonPrefixes.Count > 0 && commonPrefixes[^1] == common)
            {
                // Folded into the prefix already listed; the page goes on past it.
                last = item.Key;
                continue;
            }

            if (contents.Count + commonPrefixes.Count >= maxKeys)
            {
                truncated = true;
                break;
            }

            if (common is not null) commonPrefixes.Add(common);
            else contents.Add(item);
            last = item.Key;
        }

        string Name(string value) => urlEncoded ? Uri.EscapeDataString(value).Replace("%2F", "/", StringComparison.Ordinal) : value;

        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .Append("<ListBucketResult xmlns=\"").Append(Namespace).Append("\">")
            .Append("<Name>").Append(Escape(bucket)).Append("</Name>")
            .Append("<Prefix>").Append(Escape(Name(prefix))).Append("</Prefix>");
        if (v2)
        {
            xml.Append("<KeyCount>").Append(contents.Count + commonPrefixes.Count).Append("</KeyCount>");
            if (query.ContainsKey("continuation-token")) xml.Append("<ContinuationToken>").Append(Escape(query["continuation-token"].ToString())).Append("</ContinuationToken>");
            if (truncated && last is not null) xml.Append("<NextContinuationToken>").Append(EncodeToken(last)).Append("</NextContinuationToken>");
            if (query.ContainsKey("start-after")) xml.Append("<StartAfter>").Append(Escape(Name(query["start-after"].ToString()))).Append("</StartAfter>");
        }
        else
        {
            xml.Append("<Marker>").Append(Escape(Name(after))).Append("</Marker>");
            if (truncated && last is not null && delimiter.Length > 0) xml.Append("<NextMarker>").Append(Escape(Name(last))).Append("</NextMarker>");
        }

        xml.Append("<MaxKeys>").Append(maxKeys).Append("</MaxKeys>");
        if (delimiter.Length > 0) xml.Append("<Delimiter>").Append(Escape(Name(delimiter))).Append("</Delimiter>");
        if (urlEncoded) xml.Append("<EncodingType>url</EncodingType>");
        xml.Append("<IsTruncated>").Append(truncated ? "true" : "false").Append("</IsTruncated>");
        foreach (var item in contents)
        {
            xml.Append("<Contents><Key>").Append(Escape(Name(item.Key))).Append("</Key><LastModified>").Append(IsoTime(item.LastModified))
                .Append("</LastModified><ETag>").Append(Escape(item.ETag)).Append("</ETag><Size>").Append(item.Size)
                .Append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }

        foreach (var common in commonPrefixes)
        {
            xml.Append("<CommonPrefixes><Prefix>").Append(Escape(Name(common))).Append("</Prefix></CommonPrefixes>");
        }

        xml.Append("</ListBucketResult>");
        return Xml(context, xml.ToString());
    }

    private static async Task<IResult> PutObjectAsync(HttpContext context, string bucket, ObjectStoreState store, EmulatorOptions options)
    {
        var request = context.Request;
        var key = RawKey(context);
        if (key.Length == 0) return CreateBucket(context, bucket, store, options);
        if (request.Query.Count > 0 && (request.Query.ContainsKey("partNumber") || request.Query.ContainsKey("uploadId") || request.Query.ContainsKey("tagging") || request.Query.ContainsKey("acl")))
            return NotImplemented(context);
        if (!store.BucketExists(bucket)) return NoSuchBucket(context);
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes) return S3Errors.Error(context, 400, "KeyTooLongError", "Your key is too long.");
        if (request.Headers.ContainsKey("x-amz-copy-source")) return NotImplemented(context);

        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var metadataBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            if (!name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            var shortName = name[MetaPrefix.Length..].ToLowerInvariant();
            metadata[shortName] = values.ToString();
            metadataBytes += Encoding.UTF8.GetByteCount(shortName) + Encoding.UTF8.GetByteCount(values.ToString());
        }

        if (metadataBytes > MaxMetadataBytes)
            return S3Errors.Error(context, 400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.");

        // S3 supports only "*" here: "create, never replace".
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch.Trim() != "*") return NotImplemented(context);
        var ifNoneMatchAny = ifNoneMatch.Length > 0;
        var ifMatch = request.Headers.IfMatch.Count > 0 ? request.Headers.IfMatch.ToString() : null;

        // Decided before the body is read, so a client that sent "Expect: 100-continue" never uploads in vain; checked
        // again atomically when the object is committed.
        var current = store.Find(bucket, key);
        if ((ifNoneMatchAny && current is not null) || (ifMatch is not null && current is null)) return PreconditionFailed(context);

        var contentSha256 = request.Headers["x-amz-content-sha256"].ToString();
        var awsChunked = request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)
                         || contentSha256.StartsWith("STREAMING-", StringComparison.Ordinal);
        long? expectedLength = request.ContentLength;
        if (awsChunked)
        {
            expectedLength = long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decoded) ? decoded : null;
        }

        if (expectedLength is null) return S3Errors.Error(context, 411, "MissingContentLength", "You must provide the Content-Length HTTP header.");

        var path = store.NewObjectPath();
        var keep = false;
        try
        {
            ReceivedBody body;
            try
            {
                body = await ObjectBody.ReadAsync(request.Body, awsChunked, path, context.RequestAborted);
            }
            catch (MalformedBodyException ex)
            {
                return S3Errors.Error(context, 400, "IncompleteBody", ex.Message);
            }
            catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
            {
                return S3Errors.Error(context, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
            }

            if (body.Length != expectedLength)
                return S3Errors.Error(context, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");

            var md5Header = request.Headers["Content-MD5"].ToString();
            if (md5Header.Length > 0 && !Matches(md5Header, body.Md5))
                return S3Errors.Error(context, 400, "BadDigest", "The Content-MD5 you specified did not match what we received.");

            if (contentSha256.Length == 64 && !string.Equals(contentSha256, Convert.ToHexStringLower(body.Sha256), StringComparison.OrdinalIgnoreCase))
                return S3Errors.Error(context, 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");

            var checksums = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var algorithm in ChecksumAlgorithms)
            {
                var name = "x-amz-checksum-" + algorithm;
                var claimed = request.Headers[name].ToString();
                if (claimed.Length == 0) body.Trailers.TryGetValue(name, out claimed);
                if (string.IsNullOrEmpty(claimed)) continue;
                var actual = algorithm switch
                {
                    "sha256" => Convert.ToBase64String(body.Sha256),
                    "sha1" => Convert.ToBase64String(body.Sha1),
                    "crc32" => Crc.ToBase64(body.Crc32),
                    _ => Crc.ToBase64(body.Crc32C),
                };
                if (!string.Equals(claimed.Trim(), actual, StringComparison.Ordinal))
                    return S3Errors.Error(context, 400, "BadDigest", $"The {algorithm.ToUpperInvariant()} you specified did not match the calculated checksum.");
                checksums[name] = actual;
            }

            var stored = new StoredObject(
                bucket,
                key,
                body.Length,
                "\"" + Convert.ToHexStringLower(body.Md5) + "\"",
                request.ContentType ?? "binary/octet-stream",
                metadata,
                Convert.ToHexStringLower(body.Sha256),
                checksums,
                options.UtcNow,
                path);
            switch (store.Commit(stored, ifNoneMatchAny, ifMatch))
            {
                case CommitResult.NoSuchBucket:
                    return NoSuchBucket(context);
                case CommitResult.PreconditionFailed:
                    return PreconditionFailed(context);
            }

            keep = true;
            context.Response.Headers.ETag = stored.ETag;
            foreach (var (name, value) in checksums) context.Response.Headers[name] = value;
            return Stamp(context, Results.Ok());
        }
        finally
        {
            if (!keep) store.TryDelete(path);
        }
    }

    private static IResult GetObject(HttpContext context, string bucket, ObjectStoreState store)
    {
        var key = RawKey(context);
        if (key.Length == 0) return ListObjects(context, bucket, store);
        if (!store.BucketExists(bucket)) return NoSuchBucket(context);
        var stored = store.Find(bucket, key);
        if (stored is null || !File.Exists(stored.Path)) return S3Errors.NoSuchKey(context);
        WriteObjectHeaders(context, stored);
        return Results.File(stored.Path, stored.ContentType, enableRangeProcessing: false);
    }

    private static IResult HeadObject(HttpContext context, string bucket, ObjectStoreState store)
    {
        var key = RawKey(context);
        if (key.Length == 0) return HeadBucket(context, bucket, store);

        // A HEAD answer has no body, so errors are the bare status, as S3 sends them.
        var stored = store.BucketExists(bucket) ? store.Find(bucket, key) : null;
        if (stored is null) return Stamp(context, Results.StatusCode(404));
        WriteObjectHeaders(context, stored);
        context.Response.ContentLength = stored.Size;
        context.Response.ContentType = stored.ContentType;
        return Results.Empty;
    }

    private static IResult DeleteObject(HttpContext context, string bucket, ObjectStoreState store)
    {
        var key = RawKey(context);
        if (key.Length == 0) return DeleteBucket(context, bucket, store);
        if (!store.BucketExists(bucket)) return NoSuchBucket(context);
        store.Delete(bucket, key);
        return Stamp(context, Results.NoContent());
    }

    private static void WriteObjectHeaders(HttpContext context, StoredObject stored)
    {
        var headers = context.Response.Headers;
        headers.ETag = stored.ETag;
        headers.LastModified = stored.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers["x-amz-request-id"] = S3Errors.RequestId(context);
        foreach (var (name, value) in stored.Metadata) headers[MetaPrefix + name] = value;

        // S3 returns the upload's checksum only when asked to (the SDKs ask, to validate what they download).
        if (string.Equals(context.Request.Headers["x-amz-checksum-mode"].ToString(), "ENABLED", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (name, value) in stored.Checksums) headers[name] = value;
        }
    }

    /// <summary>The key exactly as the URL spelled it, decoded once (the routed value would keep %2F encoded).</summary>
    private static string RawKey(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) raw = raw[..query];
        var at = raw.IndexOf(Prefix + "/", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return string.Empty;
        var rest = raw[(at + Prefix.Length + 1)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? string.Empty : Uri.UnescapeDataString(rest[(slash + 1)..]);
    }

    private static bool Matches(string base64, byte[] digest)
    {
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(base64.Trim()), digest);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string EncodeToken(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static string? DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static IResult NoSuchBucket(HttpContext context)
        => S3Errors.Error(context, 404, "NoSuchBucket", "The specified bucket does not exist.");

    private static IResult PreconditionFailed(HttpContext context)
        => S3Errors.Error(context, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");

    private static IResult NotImplemented(HttpContext context)
        => S3Errors.Error(context, 501, "NotImplemented", "A header or query you provided implies functionality that is not implemented.");

    private static IResult Xml(HttpContext context, string xml)
    {
        context.Response.Headers["x-amz-request-id"] = S3Errors.RequestId(context);
        return Results.Content(xml, "application/xml", Encoding.UTF8);
    }

    private static IResult Stamp(HttpContext context, IResult result)
    {
        context.Response.Headers["x-amz-request-id"] = S3Errors.RequestId(context);
        return result;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string IsoTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
