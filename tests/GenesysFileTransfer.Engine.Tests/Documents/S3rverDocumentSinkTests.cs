using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The S3 sink against s3rver, a store that keeps whatever body it receives (aws-chunked framing included): what it
/// holds afterwards is read from its own files and by a plain HTTP GET, never taken from the sink's word.
/// </summary>
public sealed class S3rverDocumentSinkTests : IClassFixture<S3rverPeer>, IDisposable
{
    /// <summary>Not a multiple of any chunk or buffer size, as in the measured failure.</summary>
    private const int LargeLength = 4_194_375;

    private static readonly HttpClient Http = new();
    private readonly S3rverPeer _s3rver;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gft-s3rver-tests-" + Guid.NewGuid().ToString("N"));

    public S3rverDocumentSinkTests(S3rverPeer s3rver)
    {
        _s3rver = s3rver;
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_multi_megabyte_file_is_stored_with_exactly_its_length_and_sha256()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(LargeLength);
        DocumentToStore document = StagedDocument("transfer/t-large", "large.pdf", content);

        StoredDocument stored = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(stored.Created);
        Assert.False(stored.Repaired);
        Assert.Equal(LargeLength, stored.Length);
        string key = sink.KeyFor(document.DocumentKey, document.FileName);
        byte[] onDisk = await File.ReadAllBytesAsync(_s3rver.ObjectFile(bucket, key));
        Assert.Equal(LargeLength, onDisk.Length);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(onDisk));
        byte[] served = await Http.GetByteArrayAsync(ObjectUrl(bucket, key));
        Assert.Equal(LargeLength, served.Length);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(served));
    }

    [Fact]
    public async Task Storing_again_writes_nothing()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(300_000);
        StoredDocument first = await sink.StoreAsync(StagedDocument("transfer/t-again", "a.pdf", content), CancellationToken.None);
        string file = _s3rver.ObjectFile(bucket, sink.KeyFor("transfer/t-again", "a.pdf"));
        DateTime written = File.GetLastWriteTimeUtc(file);
        await Task.Delay(50);

        StoredDocument again = await sink.StoreAsync(StagedDocument("transfer/t-again", "a.pdf", content), CancellationToken.None);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.False(again.Repaired);
        Assert.Equal(first.Location, again.Location);
        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        Assert.Equal(DocumentTestKit.Sha256Of(content), DocumentTestKit.Sha256Of(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task An_object_stored_with_its_aws_chunked_framing_by_an_earlier_version_is_repaired_and_verified()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(LargeLength);
        DocumentToStore document = StagedDocument("transfer/t-framed", "framed.pdf", content);
        string key = sink.KeyFor(document.DocumentKey, document.FileName);
        // What earlier versions did: the SDK's defaults, with the object's own sha256 metadata claiming the right bytes.
        using (AmazonS3Client earlier = _s3rver.DefaultClient())
        {
            var put = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) };
            put.Metadata["sha256"] = document.Sha256;
            await earlier.PutObjectAsync(put);
        }

        string file = _s3rver.ObjectFile(bucket, key);
        Assert.NotEqual(LargeLength, new FileInfo(file).Length); // the damage this test is about: framing stored as bytes

        StoredDocument repaired = await sink.StoreAsync(document, CancellationToken.None);
        StoredDocument again = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(repaired.Created);
        Assert.True(repaired.Repaired);
        Assert.Equal(LargeLength, repaired.Length);
        byte[] served = await Http.GetByteArrayAsync(ObjectUrl(bucket, key));
        Assert.Equal(LargeLength, served.Length);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(served));
        Assert.False(again.Created);
        Assert.False(again.Repaired);
    }

    [Fact]
    public async Task An_object_of_the_right_length_and_metadata_but_other_bytes_is_repaired()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(200_000);
        DocumentToStore document = StagedDocument("transfer/t-flipped", "f.pdf", content);
        string key = sink.KeyFor(document.DocumentKey, document.FileName);
        byte[] damaged = (byte[])content.Clone();
        damaged[123_456] ^= 0xFF;
        await PutPlainAsync(bucket, key, damaged, document.Sha256);

        StoredDocument repaired = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(repaired.Repaired);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(await File.ReadAllBytesAsync(_s3rver.ObjectFile(bucket, key))));
    }

    [Fact]
    public async Task The_archiver_reports_a_damaged_object_it_repaired_and_the_audit_log_says_so()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        using var kit = new DocumentTestKit();
        string path = kit.WriteFile("statement.pdf", "%PDF-1.4 the statement as it was sent");
        OutboxItem item = kit.EnqueueTransfer(path, DateTimeOffset.UtcNow);
        string key = sink.KeyFor(item.DocumentKey, item.FileName);
        byte[] damaged = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4 the statement as it was sent, framed");
        await PutPlainAsync(bucket, key, damaged, item.Sha256!);

        DocumentArchiveOutcome outcome = (await kit.Archiver(sink, TimeProvider.System).ArchiveNextAsync(CancellationToken.None))!;

        Assert.True(outcome.Succeeded);
        Assert.True(outcome.Document!.Repaired);
        Assert.Equal(item.Sha256, DocumentTestKit.Sha256Of(await File.ReadAllBytesAsync(_s3rver.ObjectFile(bucket, key))));
        Assert.Contains(kit.AuditRecords(), r => r.GetProperty("operation").GetString() == "archive" && r.GetProperty("status").GetString() == "repaired");
    }

    [Fact]
    public async Task A_put_after_which_the_store_holds_other_bytes_fails_transiently_and_the_next_attempt_repairs_it()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(100_000);
        DocumentToStore verified = StagedDocument("transfer/t-damaged", "d.pdf", content);
        byte[] other = RandomNumberGenerator.GetBytes(100_000);
        // Bytes change between verification and upload; s3rver checks neither Content-MD5 nor x-amz-checksum-sha256.
        var damagedInTransit = new DocumentToStore(verified.DocumentKey, verified.FileName, verified.Sha256, verified.Length, () => new MemoryStream(other), verified.Metadata, verified.Md5);

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(damagedInTransit, CancellationToken.None));
        StoredDocument retried = await sink.StoreAsync(verified, CancellationToken.None);

        Assert.Equal("DocumentUploadDamaged", error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.True(retried.Repaired);
        Assert.Equal(verified.Sha256, DocumentTestKit.Sha256Of(await Http.GetByteArrayAsync(ObjectUrl(bucket, sink.KeyFor(verified.DocumentKey, verified.FileName)))));
    }

    [Theory]
    [InlineData("\"2f4bd6a0c7e3b0c1d1e5f0a9b8c7d6e5-2\"")] // a multipart upload's ETag
    [InlineData("\"00112233445566778899aabbccddeeff\"")] // an encrypting store's ETag: 32 hex digits, but no MD5 of the bytes
    public async Task An_object_whose_etag_is_not_the_md5_of_the_document_is_judged_by_its_bytes(string etag)
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] content = RandomNumberGenerator.GetBytes(LargeLength);
        DocumentToStore document = StagedDocument("transfer/t-etag", "e.pdf", content);
        string key = sink.KeyFor(document.DocumentKey, document.FileName);
        await PutPlainAsync(bucket, key, content, document.Sha256);
        string file = _s3rver.ObjectFile(bucket, key);
        // s3rver answers with the ETag it keeps beside the object; a store of another kind would compute this one.
        await File.WriteAllTextAsync(file + ".md5", etag.Trim('"'));
        DateTime written = File.GetLastWriteTimeUtc(file);
        using (AmazonS3Client client = _s3rver.DefaultClient())
        {
            Assert.Equal(etag, (await client.GetObjectMetadataAsync(bucket, key)).ETag);
        }

        StoredDocument kept = await sink.StoreAsync(document, CancellationToken.None);
        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(LargeLength)); // now damaged behind the same ETag
        StoredDocument repaired = await sink.StoreAsync(document, CancellationToken.None);

        Assert.False(kept.Created);
        Assert.False(kept.Repaired);
        Assert.True(repaired.Repaired);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task An_object_recording_another_sha256_is_a_conflict_and_stays_as_it_is()
    {
        string bucket = await _s3rver.CreateBucketAsync();
        using S3DocumentSink sink = _s3rver.Sink(bucket);
        byte[] theirs = RandomNumberGenerator.GetBytes(50_000);
        DocumentToStore document = StagedDocument("transfer/t-conflict", "c.pdf", RandomNumberGenerator.GetBytes(50_000));
        string key = sink.KeyFor(document.DocumentKey, document.FileName);
        await PutPlainAsync(bucket, key, theirs, DocumentTestKit.Sha256Of(theirs));

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Equal("DocumentConflict", conflict.ErrorCode);
        Assert.Equal(DocumentTestKit.Sha256Of(theirs), DocumentTestKit.Sha256Of(await File.ReadAllBytesAsync(_s3rver.ObjectFile(bucket, key))));
    }

    [Fact]
    public void An_etag_is_a_plain_md5_only_when_it_is_32_hex_digits()
    {
        Assert.Equal("9e107d9d372bb6826bd81d3542a419d6", S3DocumentSink.PlainMd5("\"9E107D9D372BB6826BD81D3542A419D6\""));
        Assert.Equal("9e107d9d372bb6826bd81d3542a419d6", S3DocumentSink.PlainMd5("W/\"9e107d9d372bb6826bd81d3542a419d6\""));
        Assert.Null(S3DocumentSink.PlainMd5("\"9e107d9d372bb6826bd81d3542a419d6-2\""));
        Assert.Null(S3DocumentSink.PlainMd5("\"not-an-md5-at-all-but-32-chars!!\""));
        Assert.Null(S3DocumentSink.PlainMd5(null));
    }

    /// <summary>A document as the archiver hands it over: bytes staged in a file, SHA-256 and MD5 computed while staging.</summary>
    private DocumentToStore StagedDocument(string key, string fileName, byte[] content)
    {
        string path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".part");
        File.WriteAllBytes(path, content);
        DocumentToStore plain = FileSystemDocumentSinkTests.Document(key, fileName, content);
        return DocumentToStore.FromFile(key, fileName, plain.Sha256, path, plain.Metadata, Convert.ToHexStringLower(MD5.HashData(content)));
    }

    private Uri ObjectUrl(string bucket, string key) => new(_s3rver.ServiceUrl, $"{bucket}/{key}");

    /// <summary>A client that sends plain bodies, so s3rver keeps exactly the given bytes.</summary>
    private AmazonS3Client PlainClient() => new(
        new BasicAWSCredentials(S3rverPeer.AccessKey, S3rverPeer.AccessKey),
        new AmazonS3Config
        {
            ServiceURL = _s3rver.ServiceUrl.AbsoluteUri.TrimEnd('/'),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        });

    private async Task PutPlainAsync(string bucket, string key, byte[] bytes, string sha256Metadata)
    {
        using AmazonS3Client client = PlainClient();
        var put = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false };
        put.Metadata["sha256"] = sha256Metadata;
        await client.PutObjectAsync(put);
        Assert.Equal(bytes.Length, new FileInfo(_s3rver.ObjectFile(bucket, key)).Length);
    }
}
