using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>The S3 sink against the emulator's S3-compatible object store, through the real AWS SDK.</summary>
public sealed class S3DocumentSinkTests : IAsyncLifetime
{
    private const string Bucket = "documents";
    private EmulatorHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await EmulatorHost.StartAsync();
        await ObjectStoreControl.CreateBucketAsync(_host, Bucket);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stores_an_object_with_its_metadata_under_a_deterministic_key()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        Guid transferId = Guid.NewGuid();
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 to the object store");

        StoredDocument stored = await sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/" + transferId, "Invoice Nov.pdf", content, transferId), CancellationToken.None);

        string key = $"transfer/{transferId}/Invoice Nov.pdf";
        Assert.Equal($"s3://{Bucket}/{key}", stored.Location);
        Assert.True(stored.Created);
        var (bucket, storedKey, sha, metadata) = Assert.Single(await ObjectStoreControl.ObjectsAsync(_host));
        Assert.Equal(Bucket, bucket);
        Assert.Equal(key, storedKey);
        Assert.Equal(DocumentTestKit.Sha256Of(content), sha);
        Assert.Equal(sha, metadata.GetProperty("sha256").GetString());
        Assert.Equal(transferId.ToString(), metadata.GetProperty("transfer-id").GetString());
        Assert.Equal("transfer/" + transferId, metadata.GetProperty("document-key").GetString());

        // What any S3 client reads back: the same bytes and the metadata as x-amz-meta-*.
        using AmazonS3Client client = Client();
        using GetObjectResponse got = await client.GetObjectAsync(Bucket, key);
        using var copy = new MemoryStream();
        await got.ResponseStream.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal(sha, got.Metadata["x-amz-meta-sha256"]);
        Assert.Equal("application/pdf", got.Headers.ContentType);
    }

    [Fact]
    public async Task Storing_the_same_key_and_hash_again_sends_no_second_put()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 once");
        await sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-1", "a.pdf", content), CancellationToken.None);

        StoredDocument again = await sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-1", "a.pdf", content), CancellationToken.None);

        Assert.False(again.Created);
        Assert.Single(await ObjectStoreControl.ObjectsAsync(_host));
        Assert.Equal(1, await ObjectStoreControl.CountRequestsAsync(_host, "PUT"));
    }

    [Fact]
    public async Task The_same_key_with_other_content_is_a_conflict()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        await sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-2", "a.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 first")), CancellationToken.None);

        await Assert.ThrowsAsync<DocumentConflictException>(() =>
            sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-2", "a.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 second")), CancellationToken.None));

        var only = Assert.Single(await ObjectStoreControl.ObjectsAsync(_host));
        Assert.Equal(DocumentTestKit.Sha256Of(Encoding.ASCII.GetBytes("%PDF-1.4 first")), only.Sha256);
    }

    [Fact]
    public async Task The_bucket_comes_from_the_storage_bucket_reference_mapping()
    {
        await ObjectStoreControl.CreateBucketAsync(_host, "legal-hold");
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket, o => o.BucketMap[Guid.Parse(DocumentTestKit.BucketReference)] = "legal-hold");
        DocumentToStore mapped = FileSystemDocumentSinkTests.Document("transfer/t-3", "a.pdf", Encoding.ASCII.GetBytes("mapped"));
        mapped.Metadata.StorageBucketReference = DocumentTestKit.BucketReference;
        DocumentToStore unmapped = FileSystemDocumentSinkTests.Document("transfer/t-4", "b.pdf", Encoding.ASCII.GetBytes("unmapped"));
        unmapped.Metadata.StorageBucketReference = Guid.NewGuid().ToString();

        Assert.StartsWith("s3://legal-hold/", (await sink.StoreAsync(mapped, CancellationToken.None)).Location);
        Assert.StartsWith($"s3://{Bucket}/", (await sink.StoreAsync(unmapped, CancellationToken.None)).Location);
    }

    [Fact]
    public async Task A_reference_with_no_bucket_and_no_default_is_refused()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket, o =>
        {
            o.DefaultBucket = null;
            o.BucketMap[Guid.NewGuid()] = Bucket;
        });

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-5", "a.pdf", Encoding.ASCII.GetBytes("a")), CancellationToken.None));

        Assert.Equal("DocumentBucketUnmapped", error.ErrorCode);
    }

    [Fact]
    public async Task A_missing_bucket_is_reported_as_such()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, "no-such-bucket");

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-6", "a.pdf", Encoding.ASCII.GetBytes("a")), CancellationToken.None));

        Assert.Equal("DocumentBucketNotFound", error.ErrorCode);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_store_that_answers_503_is_unavailable_not_refused()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        await ObjectStoreControl.AddFaultAsync(_host, new { route = "objectstore", count = 1, action = "status", status = 503 });

        var error = await Assert.ThrowsAsync<DocumentSinkUnavailableException>(() => sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-7", "a.pdf", Encoding.ASCII.GetBytes("a")), CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Empty(await ObjectStoreControl.ObjectsAsync(_host));
    }

    [Fact]
    public async Task A_store_that_is_not_listening_is_unavailable()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        int free = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        using var sink = new S3DocumentSink(new S3DocumentSinkOptions
        {
            ServiceUrl = new Uri($"http://127.0.0.1:{free}/objectstore"),
            DefaultBucket = Bucket,
            AccessKeyId = "a",
            SecretAccessKey = Engine.Connection.ClientCredentials.ToSecureString("b"),
            MaxErrorRetry = 0,
        });

        await Assert.ThrowsAsync<DocumentSinkUnavailableException>(() => sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-8", "a.pdf", Encoding.ASCII.GetBytes("a")), CancellationToken.None));
    }

    [Fact]
    public async Task Workers_racing_on_one_key_create_one_object()
    {
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 " + new string('r', 100_000));
        var sinks = Enumerable.Range(0, 6).Select(_ => ObjectStoreControl.Sink(_host, Bucket)).ToList();
        try
        {
            StoredDocument[] results = await Task.WhenAll(sinks.Select(s => Task.Run(() => s.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-9", "r.pdf", content), CancellationToken.None))));

            Assert.All(results, r => Assert.Equal(results[0].Location, r.Location));
            Assert.Single(await ObjectStoreControl.ObjectsAsync(_host));
            Assert.Equal(1, await ObjectStoreControl.CountRequestsAsync(_host, "PUT", 200));
        }
        finally
        {
            sinks.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_put_to_a_service_url_is_one_plain_body_with_content_md5_and_if_none_match()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        byte[] content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1_000_003);

        await sink.StoreAsync(FileSystemDocumentSinkTests.Document("transfer/t-10", "plain.pdf", content), CancellationToken.None);

        JsonElement put = Assert.Single(await PutsAsync());
        // No aws-chunked framing: the body is exactly the document, so a store that keeps bodies verbatim keeps the file.
        Assert.Equal(content.Length, put.GetProperty("contentLength").GetInt64());
        var headers = put.GetProperty("headerNames").EnumerateArray().Select(h => h.GetString()!.ToLowerInvariant()).ToList();
        Assert.Contains("content-md5", headers);
        Assert.Contains("x-amz-checksum-sha256", headers);
        Assert.Contains("if-none-match", headers);
        Assert.DoesNotContain("content-encoding", headers);
        Assert.DoesNotContain("x-amz-decoded-content-length", headers);
        Assert.DoesNotContain("x-amz-trailer", headers);
    }

    [Fact]
    public async Task An_object_recorded_with_the_same_sha256_but_other_bytes_is_replaced_only_if_it_is_still_that_object()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 the verified bytes");
        DocumentToStore document = FileSystemDocumentSinkTests.Document("transfer/t-11", "a.pdf", content);
        using (AmazonS3Client client = Client())
        {
            var damaged = new PutObjectRequest { BucketName = Bucket, Key = "transfer/t-11/a.pdf", ContentBody = "%PDF-1.4 the damaged bytes!" };
            damaged.Metadata["sha256"] = document.Sha256;
            await client.PutObjectAsync(damaged);
        }

        StoredDocument repaired = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(repaired.Created);
        Assert.True(repaired.Repaired);
        Assert.Equal(DocumentTestKit.Sha256Of(content), Assert.Single(await ObjectStoreControl.ObjectsAsync(_host)).Sha256);
        JsonElement rewrite = (await PutsAsync())[^1];
        Assert.Contains("if-match", rewrite.GetProperty("headerNames").EnumerateArray().Select(h => h.GetString()!.ToLowerInvariant()));
    }

    [Fact]
    public async Task Bytes_that_changed_after_verification_are_refused_by_content_md5_as_a_damaged_upload()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        DocumentToStore verified = FileSystemDocumentSinkTests.Document("transfer/t-12", "a.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 verified"));
        string md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.ASCII.GetBytes("%PDF-1.4 verified")));
        var swapped = new DocumentToStore(verified.DocumentKey, verified.FileName, verified.Sha256, verified.Length, () => new MemoryStream(Encoding.ASCII.GetBytes("%PDF-1.4 swapped!")), verified.Metadata, md5);

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(swapped, CancellationToken.None));

        Assert.Equal("DocumentUploadDamaged", error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.Empty(await ObjectStoreControl.ObjectsAsync(_host));
    }

    [Fact]
    public async Task A_document_without_an_md5_whose_bytes_changed_is_an_integrity_failure_before_any_put()
    {
        using S3DocumentSink sink = ObjectStoreControl.Sink(_host, Bucket);
        DocumentToStore verified = FileSystemDocumentSinkTests.Document("transfer/t-13", "a.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 verified"));
        var swapped = new DocumentToStore(verified.DocumentKey, verified.FileName, verified.Sha256, verified.Length, () => new MemoryStream(Encoding.ASCII.GetBytes("%PDF-1.4 swapped!")), verified.Metadata);

        await Assert.ThrowsAsync<DocumentIntegrityException>(() => sink.StoreAsync(swapped, CancellationToken.None));

        Assert.Empty(await PutsAsync());
    }

    [Fact]
    public void Plain_http_to_another_host_is_refused()
        => Assert.Throws<ArgumentException>(() => new S3DocumentSink(new S3DocumentSinkOptions { ServiceUrl = new Uri("http://s3.example.test/"), DefaultBucket = Bucket }));

    private async Task<List<JsonElement>> PutsAsync()
    {
        using var http = new HttpClient();
        JsonElement log = await http.GetFromJsonAsync<JsonElement>(new Uri(_host.BaseUri, "emulator/requests?route=objectstore"));
        return log.EnumerateArray().Where(e => e.GetProperty("method").GetString() == "PUT").ToList();
    }

    private AmazonS3Client Client() => new(
        new BasicAWSCredentials("emulator-access-key", "emulator-secret-key"),
        new AmazonS3Config { ServiceURL = new Uri(_host.BaseUri, "objectstore").ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
}
