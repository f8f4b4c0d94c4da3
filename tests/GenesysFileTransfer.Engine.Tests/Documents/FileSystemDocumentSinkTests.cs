using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Tests.Documents;

public sealed class FileSystemDocumentSinkTests : IDisposable
{
    private static readonly DateTimeOffset Enqueued = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly DocumentTestKit _kit = new();

    [Fact]
    public async Task Stores_the_document_and_a_sidecar_at_a_deterministic_path()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 the invoice");
        Guid transferId = Guid.Parse("2ff7da99-d8e8-4344-970f-380e088ce1ea");

        StoredDocument stored = await sink.StoreAsync(Document("transfer/" + transferId, "invoice.pdf", content, transferId), CancellationToken.None);

        string expected = Path.Combine(_kit.Destination, "transfer", transferId.ToString(), "invoice.pdf");
        Assert.Equal(expected, stored.Location);
        Assert.True(stored.Created);
        Assert.Equal(content, File.ReadAllBytes(expected));
        Assert.Equal(
            new[] { $"transfer/{transferId}/invoice.pdf", $"transfer/{transferId}/invoice.pdf.metadata.json" },
            DocumentTestKit.FilesUnder(_kit.Destination));
    }

    [Fact]
    public async Task The_sidecar_holds_policy_retention_hash_and_ids_but_never_the_url_query()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.UTF8.GetBytes("hello from the customer");
        var item = new OutboxItem
        {
            DocumentKey = "attachment/integration-1/att-42",
            Kind = "attachment",
            ConversationId = "conv-1",
            MessageId = "msg-1",
            AttachmentId = "att-42",
            Source = "https://files.example.test/media/att-42/hello.txt?X-Amz-Signature=topsecretsignature&X-Amz-Credential=AKIA",
            FileName = "hello.txt",
            ContentType = "text/plain",
            MetadataJson = DocumentTestKit.MetadataJson,
            EnqueuedAt = Enqueued,
        };
        DocumentMetadata metadata = DocumentMetadata.FromOutboxItem(item, DocumentTestKit.Sha256Of(content), content.Length, Enqueued.AddMinutes(3));

        StoredDocument stored = await sink.StoreAsync(new DocumentToStore(item.DocumentKey, item.FileName, metadata.Sha256, content.Length, () => new MemoryStream(content), metadata), CancellationToken.None);

        string sidecarText = File.ReadAllText(stored.Location + ".metadata.json");
        Assert.DoesNotContain("topsecretsignature", sidecarText);
        Assert.DoesNotContain("X-Amz", sidecarText);
        JsonElement sidecar = JsonDocument.Parse(sidecarText).RootElement;
        Assert.Equal("attachment/integration-1/att-42", sidecar.GetProperty("documentKey").GetString());
        Assert.Equal("hello.txt", sidecar.GetProperty("fileName").GetString());
        Assert.Equal("text/plain", sidecar.GetProperty("contentType").GetString());
        Assert.Equal(content.Length, sidecar.GetProperty("length").GetInt64());
        Assert.Equal(DocumentTestKit.Sha256Of(content), sidecar.GetProperty("sha256").GetString());
        Assert.Equal("attachment", sidecar.GetProperty("sourceKind").GetString());
        Assert.Equal("https://files.example.test/media/att-42/hello.txt", sidecar.GetProperty("source").GetString());
        Assert.Equal("conv-1", sidecar.GetProperty("conversationId").GetString());
        Assert.Equal("msg-1", sidecar.GetProperty("messageId").GetString());
        Assert.Equal("att-42", sidecar.GetProperty("attachmentId").GetString());
        Assert.Equal(DocumentTestKit.BucketReference, sidecar.GetProperty("storageBucketReference").GetString());
        JsonElement policy = sidecar.GetProperty("accessPolicy");
        Assert.Equal(30, policy.GetProperty("retentionDays").GetInt32());
        Assert.Equal("AES-256", policy.GetProperty("encryptionStandard").GetString());
        Assert.False(policy.GetProperty("downloadAllowed").GetBoolean());
        Assert.Equal("2026-12-24T10:00:00.0000000Z", sidecar.GetProperty("retainUntil").GetString());
        Assert.True(sidecar.GetProperty("virusScanEnabled").GetBoolean());
        Assert.Equal("2026-11-24T10:00:00.0000000Z", sidecar.GetProperty("enqueuedAt").GetString());
        Assert.Equal("2026-11-24T10:03:00.0000000Z", sidecar.GetProperty("archivedAt").GetString());
    }

    [Fact]
    public async Task The_sidecar_of_a_transfer_names_the_transfer()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        Guid transferId = Guid.NewGuid();
        StoredDocument stored = await sink.StoreAsync(Document("transfer/" + transferId, "a.pdf", Encoding.ASCII.GetBytes("%PDF-1.4"), transferId), CancellationToken.None);

        JsonElement sidecar = JsonDocument.Parse(File.ReadAllBytes(stored.Location + ".metadata.json")).RootElement;
        Assert.Equal(transferId.ToString(), sidecar.GetProperty("transferId").GetString());
        Assert.Equal("transfer", sidecar.GetProperty("sourceKind").GetString());
    }

    [Fact]
    public async Task Storing_the_same_key_and_hash_again_writes_nothing_and_returns_the_same_location()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 same bytes");
        StoredDocument first = await sink.StoreAsync(Document("transfer/t-1", "doc.pdf", content), CancellationToken.None);
        DateTime documentWritten = File.GetLastWriteTimeUtc(first.Location);
        DateTime sidecarWritten = File.GetLastWriteTimeUtc(first.Location + ".metadata.json");
        File.SetLastWriteTimeUtc(first.Location, documentWritten.AddMinutes(-5));
        File.SetLastWriteTimeUtc(first.Location + ".metadata.json", sidecarWritten.AddMinutes(-5));

        StoredDocument again = await sink.StoreAsync(Document("transfer/t-1", "doc.pdf", content), CancellationToken.None);

        Assert.False(again.Created);
        Assert.Equal(first.Location, again.Location);
        Assert.Equal(documentWritten.AddMinutes(-5), File.GetLastWriteTimeUtc(first.Location));
        Assert.Equal(sidecarWritten.AddMinutes(-5), File.GetLastWriteTimeUtc(first.Location + ".metadata.json"));
        Assert.Equal(2, DocumentTestKit.FilesUnder(_kit.Destination).Count);
    }

    [Fact]
    public async Task The_same_key_with_other_content_is_a_conflict_and_the_stored_copy_stays()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] original = Encoding.ASCII.GetBytes("%PDF-1.4 original");
        StoredDocument first = await sink.StoreAsync(Document("transfer/t-2", "doc.pdf", original), CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(() =>
            sink.StoreAsync(Document("transfer/t-2", "doc.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 tampered")), CancellationToken.None));

        Assert.Equal("DocumentConflict", conflict.ErrorCode);
        Assert.Equal(DocumentTestKit.Sha256Of(original), conflict.StoredSha256);
        Assert.Contains(first.Location, conflict.Message);
        Assert.Equal(original, File.ReadAllBytes(first.Location));
    }

    [Fact]
    public async Task A_copy_that_fails_midway_leaves_no_file_under_the_final_name_and_no_temporary_file()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = new byte[300_000];
        new Random(7).NextBytes(content);
        var metadata = new DocumentMetadata { DocumentKey = "transfer/t-3", FileName = "big.pdf", Sha256 = DocumentTestKit.Sha256Of(content), Length = content.Length, SourceKind = "transfer" };
        var document = new DocumentToStore("transfer/t-3", "big.pdf", metadata.Sha256, content.Length, () => new FailingStream(content, failAfter: 150_000), metadata);

        await Assert.ThrowsAsync<DocumentSinkUnavailableException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Empty(DocumentTestKit.FilesUnder(_kit.Destination));

        // The next attempt, with a source that works, stores the whole document.
        StoredDocument stored = await sink.StoreAsync(Document("transfer/t-3", "big.pdf", content), CancellationToken.None);
        Assert.Equal(content, File.ReadAllBytes(stored.Location));
        Assert.Equal(2, DocumentTestKit.FilesUnder(_kit.Destination).Count);
    }

    [Fact]
    public async Task Content_that_differs_from_its_hash_is_never_renamed_into_place()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 declared");
        var metadata = new DocumentMetadata { DocumentKey = "transfer/t-4", FileName = "d.pdf", Sha256 = DocumentTestKit.Sha256Of(content), SourceKind = "transfer" };
        var document = new DocumentToStore("transfer/t-4", "d.pdf", metadata.Sha256, content.Length, () => new MemoryStream(Encoding.ASCII.GetBytes("%PDF-1.4 swapped!")), metadata);

        await Assert.ThrowsAsync<DocumentIntegrityException>(() => sink.StoreAsync(document, CancellationToken.None));

        Assert.Empty(DocumentTestKit.FilesUnder(_kit.Destination));
    }

    [Fact]
    public async Task A_document_left_without_its_sidecar_by_a_crash_is_replaced_and_committed()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 complete");
        string path = sink.PathFor("transfer/t-5", "c.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "%PDF-1.4 what a crashed attempt left");

        StoredDocument stored = await sink.StoreAsync(Document("transfer/t-5", "c.pdf", content), CancellationToken.None);

        Assert.True(stored.Created);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.True(File.Exists(path + ".metadata.json"));
    }

    [Fact]
    public async Task Concurrent_stores_of_one_key_leave_one_document_and_one_sidecar()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("%PDF-1.4 raced" + new string('x', 50_000));

        StoredDocument[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => sink.StoreAsync(Document("transfer/t-6", "r.pdf", content), CancellationToken.None))));

        Assert.All(results, r => Assert.Equal(results[0].Location, r.Location));
        Assert.Equal(new[] { "transfer/t-6/r.pdf", "transfer/t-6/r.pdf.metadata.json" }, DocumentTestKit.FilesUnder(_kit.Destination));
        Assert.Equal(content, File.ReadAllBytes(results[0].Location));
    }

    [Fact]
    public async Task Names_from_the_network_cannot_leave_the_destination_folder()
    {
        var sink = new FileSystemDocumentSink(_kit.Destination);
        byte[] content = Encoding.ASCII.GetBytes("x");

        StoredDocument stored = await sink.StoreAsync(Document("attachment/../../etc/passwd", "..\\..\\evil.txt", content), CancellationToken.None);

        string full = Path.GetFullPath(stored.Location);
        Assert.StartsWith(Path.GetFullPath(_kit.Destination) + Path.DirectorySeparatorChar, full);
        Assert.All(DocumentTestKit.FilesUnder(_kit.Destination), f => Assert.DoesNotContain("..", f.Split('/')));
    }

    [Fact]
    public async Task The_destination_being_unwritable_is_reported_as_unavailable()
    {
        // A file where the destination folder should be: creating folders under it fails as a dead share would.
        File.WriteAllText(_kit.Destination, "in the way");
        var sink = new FileSystemDocumentSink(_kit.Destination);

        var error = await Assert.ThrowsAsync<DocumentSinkUnavailableException>(() => sink.StoreAsync(Document("transfer/t-7", "a.pdf", Encoding.ASCII.GetBytes("a")), CancellationToken.None));

        Assert.True(error.IsTransient);
    }

    public void Dispose() => _kit.Dispose();

    internal static DocumentToStore Document(string key, string fileName, byte[] content, Guid? transferId = null)
    {
        var metadata = new DocumentMetadata
        {
            DocumentKey = key,
            FileName = fileName,
            Sha256 = DocumentTestKit.Sha256Of(content),
            Length = content.Length,
            SourceKind = "transfer",
            ContentType = fileName.EndsWith(".pdf", StringComparison.Ordinal) ? "application/pdf" : null,
            TransferId = transferId,
            EnqueuedAt = Enqueued,
            ArchivedAt = Enqueued.AddSeconds(1),
        };
        return new DocumentToStore(key, fileName, metadata.Sha256, content.Length, () => new MemoryStream(content), metadata);
    }

    /// <summary>Gives <paramref name="failAfter"/> bytes, then fails as a dropped share or a dying disk would.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => content.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("The network path was not found.");
            int take = Math.Min(count, Math.Min(failAfter, content.Length) - _position);
            Array.Copy(content, _position, buffer, offset, take);
            _position += take;
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
