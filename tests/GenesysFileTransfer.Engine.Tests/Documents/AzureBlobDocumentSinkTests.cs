using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>
/// The Azure Blob sink against Azurite, Microsoft's Azure Storage emulator: what a blob holds afterwards is read back
/// with a separate client (bytes, Content-MD5, metadata), never taken from the sink's word.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobDocumentSinkTests : IDisposable
{
    private const string Reference = DocumentTestKit.BucketReference;
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private readonly AzuritePeer _azurite;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gft-azurite-tests-" + Guid.NewGuid().ToString("N"));

    public AzureBlobDocumentSinkTests(AzuritePeer azurite)
    {
        _azurite = azurite;
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_document_is_stored_as_one_blob_whose_bytes_md5_and_metadata_read_back_as_sent()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        byte[] content = RandomNumberGenerator.GetBytes(3_145_728 + 12_345);
        Guid transferId = Guid.NewGuid();
        DocumentToStore document = StagedDocument($"transfer/{transferId}", "Rechnung März.pdf", content, transferId);

        StoredDocument stored = await sink.StoreAsync(document, CancellationToken.None);

        string name = sink.BlobNameFor(document.DocumentKey, document.FileName);
        Assert.Equal($"transfer/{transferId}/{DocumentPaths.SafeFileName("Rechnung März.pdf")}", name);
        Assert.True(stored.Created);
        Assert.False(stored.Repaired);
        Assert.Equal(content.Length, stored.Length);
        Assert.Equal($"{_azurite.ServiceUri.AbsoluteUri.TrimEnd('/')}/{container}/{name}", Uri.UnescapeDataString(stored.Location));
        BlobClient blob = _azurite.Client().GetBlobContainerClient(container).GetBlobClient(name);
        byte[] served = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(content.Length, served.Length);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of(served));
        BlobProperties properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(document.Md5, Convert.ToHexStringLower(properties.ContentHash));
        Assert.Equal("application/pdf", properties.ContentType);
        Assert.Equal(document.Sha256, properties.Metadata["sha256"]);
        Assert.Equal(transferId.ToString(), properties.Metadata["transfer_id"]);
        Assert.Equal("30", properties.Metadata["retention_days"]);
        Assert.Equal(Reference, properties.Metadata["storage_bucket_reference"]);
        Assert.Equal(document.DocumentKey, properties.Metadata["document_key"]);
        Assert.Equal("Rechnung M%C3%A4rz.pdf", properties.Metadata["file_name"]);
    }

    [Fact]
    public async Task Storing_again_writes_nothing()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        DocumentToStore document = StagedDocument("transfer/t-again", "a.pdf", RandomNumberGenerator.GetBytes(300_000));
        StoredDocument first = await sink.StoreAsync(document, CancellationToken.None);
        BlobClient blob = BlobOf(container, sink, document);
        BlobProperties before = (await blob.GetPropertiesAsync()).Value;

        StoredDocument again = await sink.StoreAsync(document, CancellationToken.None);

        BlobProperties after = (await blob.GetPropertiesAsync()).Value;
        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.False(again.Repaired);
        Assert.Equal(first.Location, again.Location);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(before.LastModified, after.LastModified);
    }

    [Fact]
    public async Task Workers_racing_on_one_document_make_one_blob_and_exactly_one_of_them_writes_it()
    {
        string container = await _azurite.CreateContainerAsync();
        DocumentToStore document = StagedDocument("transfer/t-race", "race.pdf", RandomNumberGenerator.GetBytes(2_000_000));
        var sinks = Enumerable.Range(0, 6).Select(_ => _azurite.Sink(container)).ToList();
        try
        {
            using var start = new SemaphoreSlim(0);
            Task<StoredDocument>[] racing = sinks.Select(async sink =>
            {
                await start.WaitAsync();
                return await sink.StoreAsync(document, CancellationToken.None);
            }).ToArray();
            start.Release(racing.Length);
            StoredDocument[] results = await Task.WhenAll(racing);

            Assert.Single(results, r => r.Created);
            Assert.All(results, r => Assert.Equal(results[0].Location, r.Location));
            var blobs = new List<BlobItem>();
            await foreach (BlobItem item in _azurite.Client().GetBlobContainerClient(container).GetBlobsAsync()) blobs.Add(item);
            Assert.Single(blobs);
            Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of((await BlobOf(container, sinks[0], document).DownloadContentAsync()).Value.Content.ToArray()));
        }
        finally
        {
            sinks.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_blob_with_other_bytes_under_the_same_name_is_a_conflict_and_stays_as_it_is()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        byte[] theirs = RandomNumberGenerator.GetBytes(50_000);
        DocumentToStore document = StagedDocument("transfer/t-conflict", "c.pdf", RandomNumberGenerator.GetBytes(50_000));
        BlobClient blob = BlobOf(container, sink, document);
        await blob.UploadAsync(new BinaryData(theirs), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["sha256"] = DocumentTestKit.Sha256Of(theirs) } });
        ETag before = (await blob.GetPropertiesAsync()).Value.ETag;

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Equal("DocumentConflict", conflict.ErrorCode);
        Assert.False(conflict.IsTransient);
        Assert.Equal(DocumentTestKit.Sha256Of(theirs), conflict.StoredSha256);
        Assert.Equal(before, (await blob.GetPropertiesAsync()).Value.ETag);
        Assert.Equal(DocumentTestKit.Sha256Of(theirs), DocumentTestKit.Sha256Of((await blob.DownloadContentAsync()).Value.Content.ToArray()));
    }

    [Fact]
    public async Task A_blob_recording_no_sha256_is_a_conflict_too()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        DocumentToStore document = StagedDocument("transfer/t-foreign", "f.pdf", RandomNumberGenerator.GetBytes(1_000));
        BlobClient blob = BlobOf(container, sink, document);
        await blob.UploadAsync(new BinaryData("someone else's file"u8.ToArray()));

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Equal("(none recorded)", conflict.StoredSha256);
        Assert.Equal("someone else's file", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task A_blob_recording_the_sha256_but_holding_other_bytes_is_repaired_and_verified()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        byte[] content = RandomNumberGenerator.GetBytes(200_000);
        DocumentToStore document = StagedDocument("transfer/t-damaged", "d.pdf", content);
        byte[] damaged = (byte[])content.Clone();
        damaged[123_456] ^= 0xFF;
        BlobClient blob = BlobOf(container, sink, document);
        await blob.UploadAsync(new BinaryData(damaged), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["sha256"] = document.Sha256 } });

        StoredDocument repaired = await sink.StoreAsync(document, CancellationToken.None);
        StoredDocument again = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(repaired.Created);
        Assert.True(repaired.Repaired);
        Assert.Equal(document.Sha256, DocumentTestKit.Sha256Of((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        Assert.False(again.Created);
    }

    [Fact]
    public async Task An_upload_after_which_the_service_holds_other_bytes_fails_transiently_and_the_next_attempt_repairs_it()
    {
        string container = await _azurite.CreateContainerAsync();
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        DocumentToStore verified = StagedDocument("transfer/t-transit", "t.pdf", RandomNumberGenerator.GetBytes(100_000));
        byte[] other = RandomNumberGenerator.GetBytes(100_000);
        // The bytes change between verification and upload: what the service computes is not the verified MD5.
        var damagedInTransit = new DocumentToStore(verified.DocumentKey, verified.FileName, verified.Sha256, verified.Length, () => new MemoryStream(other), verified.Metadata, verified.Md5);

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(damagedInTransit, CancellationToken.None));
        StoredDocument retried = await sink.StoreAsync(verified, CancellationToken.None);

        Assert.Equal("DocumentUploadDamaged", error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.True(retried.Created);
        Assert.True(retried.Repaired);
        BlobClient blob = BlobOf(container, sink, verified);
        Assert.Equal(verified.Sha256, DocumentTestKit.Sha256Of((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        Assert.Equal(verified.Md5, Convert.ToHexStringLower((await blob.GetPropertiesAsync()).Value.ContentHash));
    }

    [Fact]
    public async Task The_container_follows_the_storage_bucket_reference_and_an_unmapped_one_without_a_default_is_refused()
    {
        string mapped = await _azurite.CreateContainerAsync();
        var options = new AzureBlobDocumentSinkOptions { ServiceUri = _azurite.ServiceUri, AccountKey = ClientCredentials.ToSecureString(AzuritePeer.AccountKey), MaxRetries = 0 };
        options.ContainerMap[Guid.Parse(Reference)] = mapped;
        using var sink = new AzureBlobDocumentSink(options);
        DocumentToStore document = StagedDocument("transfer/t-mapped", "m.pdf", RandomNumberGenerator.GetBytes(1_000));
        DocumentToStore unmapped = StagedDocument("transfer/t-unmapped", "u.pdf", RandomNumberGenerator.GetBytes(1_000), reference: Guid.NewGuid().ToString());

        StoredDocument stored = await sink.StoreAsync(document, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(unmapped, CancellationToken.None));

        Assert.Contains($"/{mapped}/transfer/t-mapped/m.pdf", stored.Location);
        Assert.True((await BlobOf(mapped, sink, document).ExistsAsync()).Value);
        Assert.Equal("DocumentBucketUnmapped", refused.ErrorCode);
    }

    [Fact]
    public async Task A_missing_container_is_reported_as_such_and_not_created()
    {
        using AzureBlobDocumentSink sink = _azurite.Sink("no-such-container");
        DocumentToStore document = StagedDocument("transfer/t-nocontainer", "n.pdf", RandomNumberGenerator.GetBytes(1_000));

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Equal("DocumentBucketNotFound", error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.False((await _azurite.Client().GetBlobContainerClient("no-such-container").ExistsAsync()).Value);
    }

    [Fact]
    public async Task A_wrong_account_key_is_access_denied_and_neither_key_appears_in_the_message_or_description()
    {
        string container = await _azurite.CreateContainerAsync();
        string wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        using var sink = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions
        {
            ServiceUri = _azurite.ServiceUri, DefaultContainer = container, AccountKey = ClientCredentials.ToSecureString(wrongKey), MaxRetries = 0,
        });
        DocumentToStore document = StagedDocument("transfer/t-key", "k.pdf", RandomNumberGenerator.GetBytes(1_000));

        var error = await Assert.ThrowsAsync<DocumentSinkException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Equal("DocumentSinkAccessDenied", error.ErrorCode);
        Assert.DoesNotContain(wrongKey, error.Message);
        Assert.DoesNotContain(wrongKey, sink.Description);
        Assert.Contains("account key", sink.Description);
    }

    [Fact]
    public async Task A_connection_string_stores_the_document_and_stays_out_of_the_description()
    {
        string container = await _azurite.CreateContainerAsync();
        using var sink = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions
        {
            ConnectionString = ClientCredentials.ToSecureString(_azurite.ConnectionString), DefaultContainer = container, MaxRetries = 0,
        });
        DocumentToStore document = StagedDocument("transfer/t-connection", "cs.pdf", RandomNumberGenerator.GetBytes(10_000));

        StoredDocument stored = await sink.StoreAsync(document, CancellationToken.None);

        Assert.True(stored.Created);
        Assert.True((await BlobOf(container, sink, document).ExistsAsync()).Value);
        Assert.Equal(AzureBlobAuthentication.ConnectionString, sink.Authentication);
        Assert.DoesNotContain(AzuritePeer.AccountKey, sink.Description);
        Assert.DoesNotContain("AccountKey", sink.Description);
    }

    [Fact]
    public async Task A_sas_url_stores_the_document_and_its_signature_appears_in_no_location_description_or_error()
    {
        string container = await _azurite.CreateContainerAsync();
        BlobServiceClient owner = _azurite.Client();
        Uri sasUrl = owner.GenerateAccountSasUri(AccountSasPermissions.Read | AccountSasPermissions.Write | AccountSasPermissions.Create, DateTimeOffset.UtcNow.AddHours(1), AccountSasResourceTypes.Container | AccountSasResourceTypes.Object);
        string signature = System.Web.HttpUtility.ParseQueryString(sasUrl.Query)["sig"]!;
        using var sink = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ServiceUri = sasUrl, DefaultContainer = container, MaxRetries = 0 });
        DocumentToStore document = StagedDocument("transfer/t-sas", "sas.pdf", RandomNumberGenerator.GetBytes(10_000));
        Uri readOnly = owner.GenerateAccountSasUri(AccountSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1), AccountSasResourceTypes.Container | AccountSasResourceTypes.Object);
        using var readOnlySink = new AzureBlobDocumentSink(new AzureBlobDocumentSinkOptions { ServiceUri = readOnly, DefaultContainer = container, MaxRetries = 0 });
        DocumentToStore other = StagedDocument("transfer/t-sas-ro", "ro.pdf", RandomNumberGenerator.GetBytes(10_000));

        StoredDocument stored = await sink.StoreAsync(document, CancellationToken.None);
        var denied = await Assert.ThrowsAsync<DocumentSinkException>(() => readOnlySink.StoreAsync(other, CancellationToken.None));

        Assert.Equal(AzureBlobAuthentication.SharedAccessSignature, sink.Authentication);
        Assert.True((await BlobOf(container, sink, document).ExistsAsync()).Value);
        Assert.DoesNotContain("sig=", stored.Location);
        Assert.DoesNotContain('?', stored.Location);
        Assert.DoesNotContain(signature, sink.Description);
        Assert.Equal("DocumentSinkAccessDenied", denied.ErrorCode);
        Assert.DoesNotContain(System.Web.HttpUtility.ParseQueryString(readOnly.Query)["sig"]!, denied.Message);
    }

    [Fact]
    public async Task Azurite_stopped_mid_run_keeps_the_document_in_the_outbox_and_after_the_restart_it_is_archived_exactly_once()
    {
        string container = await _azurite.CreateContainerAsync();
        using var kit = new DocumentTestKit("sqlite");
        var time = new FakeTimeProvider(T0);
        OutboxItem first = kit.EnqueueTransfer(kit.WriteFile("before.pdf", "%PDF-1.4 archived before the outage"), T0);
        OutboxItem second = kit.EnqueueTransfer(kit.WriteFile("during.pdf", "%PDF-1.4 due while the store was down"), T0.AddSeconds(1));
        using AzureBlobDocumentSink sink = _azurite.Sink(container);
        DocumentArchiver archiver = kit.Archiver(sink, time);
        time.Advance(TimeSpan.FromSeconds(5));

        DocumentArchiveOutcome beforeOutage = (await archiver.ArchiveNextAsync(CancellationToken.None))!;
        await _azurite.StopAsync();
        DocumentArchiveOutcome duringOutage;
        try
        {
            duringOutage = (await archiver.ArchiveNextAsync(CancellationToken.None))!;
        }
        finally
        {
            await _azurite.StartAsync();
        }

        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary afterRestart = await archiver.DrainAsync(null, null, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(6));
        DocumentDrainSummary later = await archiver.DrainAsync(null, null, CancellationToken.None);

        Assert.True(beforeOutage.Succeeded);
        Assert.Equal(first.DocumentKey, beforeOutage.DocumentKey);
        Assert.False(duringOutage.Succeeded);
        Assert.Equal(second.DocumentKey, duringOutage.DocumentKey);
        Assert.Equal("DocumentSinkUnavailable", duringOutage.Error!.ErrorCode);
        Assert.True((1, 0) == (afterRestart.Archived, afterRestart.Failed), string.Join("; ", kit.Journal.Outbox.GetOutbox(null).Select(i => i.LastError)));
        Assert.Equal(0, later.Archived + later.Failed);
        var blobs = new List<BlobItem>();
        await foreach (BlobItem item in _azurite.Client().GetBlobContainerClient(container).GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata })) blobs.Add(item);
        Assert.Equal(2, blobs.Count);
        Assert.Equal(new[] { first.Sha256, second.Sha256 }.OrderBy(s => s), blobs.Select(b => b.Metadata["sha256"]).OrderBy(s => s));
        Assert.All(kit.Journal.Outbox.GetOutbox(null), item => Assert.Equal(OutboxState.Archived, item.State));
    }

    /// <summary>A document as the archiver hands it over: bytes staged in a file, SHA-256 and MD5 computed while staging.</summary>
    private DocumentToStore StagedDocument(string key, string fileName, byte[] content, Guid? transferId = null, string reference = Reference)
    {
        string path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".part");
        File.WriteAllBytes(path, content);
        DocumentMetadata metadata = FileSystemDocumentSinkTests.Document(key, fileName, content, transferId).Metadata;
        metadata.StorageBucketReference = reference;
        metadata.RetentionDays = 30;
        metadata.ContentType = "application/pdf";
        return DocumentToStore.FromFile(key, fileName, metadata.Sha256, path, metadata, Convert.ToHexStringLower(MD5.HashData(content)));
    }

    private BlobClient BlobOf(string container, AzureBlobDocumentSink sink, DocumentToStore document) =>
        _azurite.Client().GetBlobContainerClient(container).GetBlobClient(sink.BlobNameFor(document.DocumentKey, document.FileName));
}

/// <summary>One Azurite for every test class that needs it; the outage test stops and restarts it, so they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuritePeer>
{
    public const string Name = "Azurite";
}
