using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>The emulator's S3-compatible object store, through the AWS SDK and raw HTTP.</summary>
public sealed class ObjectStoreEmulatorTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;
    private AmazonS3Client _s3 = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _host = await EmulatorHost.StartAsync();
        _s3 = new AmazonS3Client(
            new BasicAWSCredentials("any", "thing"),
            new AmazonS3Config { ServiceURL = new Uri(_host.BaseUri, "objectstore").ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
    }

    public async Task DisposeAsync()
    {
        _s3.Dispose();
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Buckets_are_created_listed_and_checked_through_the_sdk()
    {
        await _s3.PutBucketAsync("alpha");

        Assert.Contains((await _s3.ListBucketsAsync()).Buckets, b => b.BucketName == "alpha");
        var again = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutBucketAsync("alpha"));
        Assert.Equal("BucketAlreadyOwnedByYou", again.ErrorCode);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = "beta", Key = "k", ContentBody = "x" }));
        Assert.Equal("NoSuchBucket", missing.ErrorCode);
    }

    [Fact]
    public async Task Objects_round_trip_with_metadata_etag_and_the_sdks_chunked_signed_upload()
    {
        await _s3.PutBucketAsync("round");
        var put = new PutObjectRequest { BucketName = "round", Key = "a/b c/ü.txt", ContentBody = "hello object store", ContentType = "text/plain" };
        put.Metadata["sha256"] = "abc";
        put.Metadata["file-name"] = "caf%C3%A9.txt";

        PutObjectResponse stored = await _s3.PutObjectAsync(put);

        using GetObjectResponse got = await _s3.GetObjectAsync("round", "a/b c/ü.txt");
        using var reader = new StreamReader(got.ResponseStream);
        Assert.Equal("hello object store", await reader.ReadToEndAsync());
        Assert.Equal(stored.ETag, got.ETag);
        Assert.Equal("\"" + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes("hello object store"))) + "\"", got.ETag);
        Assert.Equal("abc", got.Metadata["sha256"]);
        Assert.Equal("caf%C3%A9.txt", got.Metadata["file-name"]);
        GetObjectMetadataResponse head = await _s3.GetObjectMetadataAsync("round", "a/b c/ü.txt");
        Assert.Equal(18, head.ContentLength);
        Assert.Equal("abc", head.Metadata["sha256"]);
    }

    [Fact]
    public async Task If_none_match_star_refuses_to_replace_an_existing_object()
    {
        await _s3.PutBucketAsync("cond");
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "cond", Key = "k", ContentBody = "first", IfNoneMatch = "*" });

        var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = "cond", Key = "k", ContentBody = "second", IfNoneMatch = "*" }));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        using GetObjectResponse got = await _s3.GetObjectAsync("cond", "k");
        Assert.Equal("first", await new StreamReader(got.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task A_wrong_sha256_checksum_is_refused_with_bad_digest()
    {
        await _s3.PutBucketAsync("digest");

        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "digest",
            Key = "k",
            ContentBody = "the real bytes",
            ChecksumSHA256 = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("other bytes"))),
        }));

        Assert.Equal("BadDigest", error.ErrorCode);
        Assert.Empty((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "digest" })).S3Objects ?? []);
    }

    [Fact]
    public async Task A_hand_made_aws_chunked_body_with_a_crc32_trailer_is_unframed_and_checked()
    {
        await _s3.PutBucketAsync("chunks");
        byte[] data = Encoding.ASCII.GetBytes("hello world");
        const string crc = "DUoRhQ==";

        HttpStatusCode good = await PutChunkedAsync("chunks", "good", data, crc);
        HttpStatusCode bad = await PutChunkedAsync("chunks", "bad", data, "AAAAAA==");

        Assert.Equal(HttpStatusCode.OK, good);
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        using GetObjectResponse got = await _s3.GetObjectAsync("chunks", "good");
        Assert.Equal("hello world", await new StreamReader(got.ResponseStream).ReadToEndAsync());
        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync("chunks", "bad"));
    }

    [Fact]
    public async Task ListObjectsV2_pages_by_prefix_and_delimiter()
    {
        await _s3.PutBucketAsync("list");
        foreach (string key in new[] { "transfer/1/a.pdf", "transfer/2/b.pdf", "transfer/3/c.pdf", "attachment/x/d.txt" })
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "list", Key = key, ContentBody = key });
        }

        var keys = new List<string>();
        string? token = null;
        int pages = 0;
        do
        {
            ListObjectsV2Response page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "list", Prefix = "transfer/", MaxKeys = 2, ContinuationToken = token });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
            pages++;
        }
        while (token != null);

        Assert.Equal(new[] { "transfer/1/a.pdf", "transfer/2/b.pdf", "transfer/3/c.pdf" }, keys);
        Assert.Equal(2, pages);
        ListObjectsV2Response folders = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "list", Delimiter = "/" });
        Assert.Equal(new[] { "attachment/", "transfer/" }, folders.CommonPrefixes);
    }

    [Fact]
    public async Task Faults_on_the_objectstore_route_take_the_store_down_with_s3_errors()
    {
        await _s3.PutBucketAsync("faulty");
        await ObjectStoreControl.AddFaultAsync(_host, new { route = "objectstore", count = 2, action = "status", status = 503 });

        var first = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = "faulty", Key = "k", ContentBody = "x" }));
        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = "faulty", Key = "k", ContentBody = "x" }));
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "faulty", Key = "k", ContentBody = "x" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("SlowDown", first.ErrorCode);
    }

    private async Task<HttpStatusCode> PutChunkedAsync(string bucket, string key, byte[] data, string crc32)
    {
        var body = new MemoryStream();
        void Ascii(string s) => body.Write(Encoding.ASCII.GetBytes(s));
        Ascii($"{data.Length:x};chunk-signature={new string('0', 64)}\r\n");
        body.Write(data);
        Ascii($"\r\n0;chunk-signature={new string('0', 64)}\r\nx-amz-checksum-crc32:{crc32}\r\nx-amz-trailer-signature:{new string('1', 64)}\r\n\r\n");
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_host.BaseUri, $"objectstore/{bucket}/{key}")) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentEncoding.Add("aws-chunked");
        request.Headers.Add("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        request.Headers.Add("x-amz-decoded-content-length", data.Length.ToString());
        request.Headers.Add("x-amz-trailer", "x-amz-checksum-crc32");
        using HttpResponseMessage response = await _http.SendAsync(request);
        return response.StatusCode;
    }
}
