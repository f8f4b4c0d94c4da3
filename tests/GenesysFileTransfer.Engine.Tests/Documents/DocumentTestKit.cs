using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Engine.Tests.Documents;

/// <summary>A scratch folder with an audit log and a journal (in memory or SQLite), and ways to fill the outbox.</summary>
internal sealed class DocumentTestKit : IDisposable
{
    public const string BucketReference = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    public const string MetadataJson =
        "{\"storageBucketReference\":\"" + BucketReference + "\",\"accessPolicy\":{\"retentionDays\":30,\"encryptionStandard\":\"AES-256\",\"downloadAllowed\":false},\"virusScanEnabled\":true}";

    private readonly List<ITransferJournal> _journals = new();

    public DocumentTestKit(string journalKind = "memory")
    {
        Folder = Path.Combine(Path.GetTempPath(), "gft-documents-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        JournalKind = journalKind;
        AuditFolder = Path.Combine(Folder, "audit");
        Audit = AuditLog.Open(AuditFolder);
        Journal = OpenJournal();
    }

    public string Folder { get; }
    public string JournalKind { get; }
    public string AuditFolder { get; }
    public AuditLog Audit { get; }
    public ITransferJournal Journal { get; }
    public string Destination => Path.Combine(Folder, "dms");

    /// <summary>Another handle on the same journal (for SQLite a second connection pool, as a second process would have).</summary>
    public ITransferJournal OpenJournal()
    {
        ITransferJournal journal = JournalKind == "sqlite"
            ? SqliteTransferJournal.Open(Path.Combine(Folder, "journal.db"))
            : _journals.Count == 0 ? new InMemoryTransferJournal() : _journals[0];
        if (!_journals.Contains(journal)) _journals.Add(journal);
        return journal;
    }

    public string WriteFile(string name, string content)
    {
        string path = Path.Combine(Folder, "source", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>Enqueues a delivered transfer's file, as the transfer engine does after delivery.</summary>
    public OutboxItem EnqueueTransfer(string path, DateTimeOffset enqueuedAt, string? sha256 = null, Guid? transferId = null)
    {
        Guid id = transferId ?? Guid.NewGuid();
        var item = new OutboxItem
        {
            DocumentKey = "transfer/" + id,
            Kind = "transfer",
            TransferId = id,
            ConversationId = EmulatorDefaults.ConversationId,
            MessageId = "msg-" + id.ToString("N").Substring(0, 8),
            Source = path,
            FileName = Path.GetFileName(path),
            ContentType = "application/pdf",
            Sha256 = sha256 ?? Sha256Of(path),
            Length = new FileInfo(path).Length,
            MetadataJson = MetadataJson,
            State = OutboxState.Pending,
            EnqueuedAt = enqueuedAt,
            NextAttemptAt = enqueuedAt,
        };
        Assert.True(Journal.Outbox.Enqueue(item));
        return item;
    }

    /// <summary>Enqueues an attachment announced by a callback: the bytes are behind a URL whose query is a credential.</summary>
    public OutboxItem EnqueueAttachment(string url, string attachmentId, string fileName, DateTimeOffset enqueuedAt, string? sha256 = null)
    {
        var item = new OutboxItem
        {
            DocumentKey = "attachment/integration-1/" + attachmentId,
            Kind = "attachment",
            ConversationId = EmulatorDefaults.ConversationId,
            MessageId = "inbound-" + attachmentId,
            AttachmentId = attachmentId,
            Source = url,
            FileName = fileName,
            ContentType = "text/plain",
            Sha256 = sha256,
            MetadataJson = "{\"retentionDays\":7}",
            State = OutboxState.Pending,
            EnqueuedAt = enqueuedAt,
            NextAttemptAt = enqueuedAt,
        };
        Assert.True(Journal.Outbox.Enqueue(item));
        return item;
    }

    public DocumentArchiver Archiver(IDocumentSink sink, TimeProvider time, string? workerId = null, ITransferJournal? journal = null, Action<DocumentArchiverOptions>? configure = null)
    {
        var options = new DocumentArchiverOptions
        {
            RetryBaseDelay = TimeSpan.FromSeconds(10),
            RetryMaxDelay = TimeSpan.FromMinutes(5),
            StagingDirectory = Path.Combine(Folder, "staging"),
            CorrelationId = "documents-test",
            // The emulator and test servers are on loopback, which is allowed only when named explicitly.
            DownloadPolicy = DownloadPolicy.Allow("127.0.0.1", "localhost"),
        };
        if (workerId != null) options.WorkerId = workerId;
        configure?.Invoke(options);
        return new DocumentArchiver((journal ?? Journal).Outbox, sink, Audit, options, time);
    }

    /// <summary>The audit records written so far, one JSON object each.</summary>
    public IReadOnlyList<JsonElement> AuditRecords()
    {
        var records = new List<JsonElement>();
        foreach (string file in Directory.GetFiles(AuditFolder, "*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length > 0) records.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return records;
    }

    public string AuditText() => string.Join("\n", AuditRecords().Select(r => r.GetRawText()));

    public static string Sha256Of(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Every regular file under <paramref name="root"/>, relative, '/'-separated, sorted.</summary>
    public static IReadOnlyList<string> FilesUnder(string root) =>
        Directory.Exists(root)
            ? Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : new List<string>();

    public void Dispose()
    {
        foreach (ITransferJournal journal in _journals) journal.Dispose();
        Audit.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Talks to the emulator's object store control surface.</summary>
internal static class ObjectStoreControl
{
    private static readonly HttpClient Http = new();

    public static async Task CreateBucketAsync(EmulatorHost host, string bucket)
    {
        using HttpResponseMessage response = await Http.PutAsync(new Uri(host.BaseUri, "emulator/objectstore/buckets/" + bucket), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Every object of every bucket: (bucket, key, sha256, metadata).</summary>
    public static async Task<IReadOnlyList<(string Bucket, string Key, string Sha256, JsonElement Metadata)>> ObjectsAsync(EmulatorHost host)
    {
        JsonElement view = await Http.GetFromJsonAsync<JsonElement>(new Uri(host.BaseUri, "emulator/objectstore"));
        var objects = new List<(string, string, string, JsonElement)>();
        foreach (JsonElement bucket in view.GetProperty("buckets").EnumerateArray())
        {
            foreach (JsonElement o in bucket.GetProperty("objects").EnumerateArray())
            {
                objects.Add((bucket.GetProperty("name").GetString()!, o.GetProperty("key").GetString()!, o.GetProperty("sha256").GetString()!, o.GetProperty("metadata").Clone()));
            }
        }

        return objects;
    }

    public static async Task AddFaultAsync(EmulatorHost host, object fault)
    {
        using HttpResponseMessage response = await Http.PostAsJsonAsync(new Uri(host.BaseUri, "emulator/faults"), fault);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>How many requests of a method reached the object store with a status (from the request log).</summary>
    public static async Task<int> CountRequestsAsync(EmulatorHost host, string method, int? status = null)
    {
        JsonElement log = await Http.GetFromJsonAsync<JsonElement>(new Uri(host.BaseUri, "emulator/requests?route=objectstore"));
        return log.EnumerateArray().Count(e => e.GetProperty("method").GetString() == method && (status is null || e.GetProperty("status").GetInt32() == status));
    }

    public static S3DocumentSink Sink(EmulatorHost host, string defaultBucket, Action<S3DocumentSinkOptions>? configure = null)
    {
        var options = new S3DocumentSinkOptions
        {
            ServiceUrl = new Uri(host.BaseUri, "objectstore"),
            DefaultBucket = defaultBucket,
            AccessKeyId = "emulator-access-key",
            SecretAccessKey = Engine.Connection.ClientCredentials.ToSecureString("emulator-secret-key"),
            MaxErrorRetry = 0,
        };
        configure?.Invoke(options);
        return new S3DocumentSink(options);
    }
}
