using System.Text;
using GenesysFileTransfer.Engine.Audit;

namespace GenesysFileTransfer.Engine.Tests.Security;

/// <summary>Every kind of tampering with a chained audit file is detected, and named with its first bad record.</summary>
public sealed class AuditChainTests : IDisposable
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("audit-key-for-tests");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gft-audit-" + Guid.NewGuid().ToString("N")[..8]);

    private string WriteLog(int records, byte[]? key = null)
    {
        using (AuditLog log = AuditLog.Open(_folder, key))
        {
            for (int i = 1; i <= records; i++)
            {
                log.Write(new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { FileName = "file-" + i + ".pdf", Detail = "record " + i });
            }
        }

        return Directory.GetFiles(_folder, "audit-*.jsonl").Single();
    }

    private static List<string> Lines(string file) => File.ReadAllLines(file).Where(l => l.Length > 0).ToList();

    [Fact]
    public void AnUntouchedLogIsIntactAndMatchesItsSignedCheckpoint()
    {
        string file = WriteLog(5, Key);

        AuditLogVerification result = AuditLogVerifier.Verify(file, Key);

        Assert.Equal(AuditLogStatus.Intact, result.Status);
        Assert.Equal(5, result.Records);
        Assert.True(result.CheckpointVerified);
        Assert.True(result.KeyVerified);
        Assert.Contains("\"seq\":1,\"prev\":\"" + AuditChain.Genesis + "\"", Lines(file)[0]);
    }

    [Fact]
    public void AChangedRecordIsModifiedAtThatRecord()
    {
        string file = WriteLog(5);
        List<string> lines = Lines(file);
        lines[2] = lines[2].Replace("file-3.pdf", "file-X.pdf");
        File.WriteAllLines(file, lines);

        AuditLogVerification result = AuditLogVerifier.Verify(file, null);

        Assert.Equal(AuditLogStatus.Modified, result.Status);
        Assert.Equal(3, result.FirstBadSequence);
        Assert.Equal(3, result.FirstBadLine);
    }

    [Fact]
    public void ADeletedRecordIsDeletedNamingTheMissingOne()
    {
        string file = WriteLog(5);
        List<string> lines = Lines(file);
        lines.RemoveAt(1);
        File.WriteAllLines(file, lines);

        AuditLogVerification result = AuditLogVerifier.Verify(file, null);

        Assert.Equal(AuditLogStatus.Deleted, result.Status);
        Assert.Equal(2, result.FirstBadSequence);
        Assert.Equal(2, result.FirstBadLine);
    }

    [Fact]
    public void SwappedRecordsAreReordered()
    {
        string file = WriteLog(5);
        List<string> lines = Lines(file);
        (lines[1], lines[3]) = (lines[3], lines[1]);
        File.WriteAllLines(file, lines);

        AuditLogVerification result = AuditLogVerifier.Verify(file, null);

        Assert.Equal(AuditLogStatus.Reordered, result.Status);
        Assert.Equal(2, result.FirstBadLine);
    }

    [Fact]
    public void ACutOffTailIsTruncatedThanksToTheCheckpoint()
    {
        string file = WriteLog(6);
        File.WriteAllLines(file, Lines(file).Take(4));

        AuditLogVerification result = AuditLogVerifier.Verify(file, null);

        Assert.Equal(AuditLogStatus.Truncated, result.Status);
        Assert.Equal(5, result.FirstBadSequence);
        Assert.Contains("records 5 to 6 were cut off", result.Detail);
    }

    [Fact]
    public void ADeletedFileWhoseCheckpointRemainsIsTruncated()
    {
        string file = WriteLog(3);
        File.Delete(file);

        Assert.Equal(AuditLogStatus.Truncated, AuditLogVerifier.Verify(file, null).Status);
    }

    [Fact]
    public void AChainRewrittenWithoutTheKeyFailsTheSignedCheckpoint()
    {
        string file = WriteLog(4, Key);
        // The forger edits record 2 and recomputes every hash after it, and the checkpoint, but has no key.
        List<string> lines = Lines(file);
        File.Delete(file);
        File.Delete(AuditChain.CheckpointPath(file));
        for (int i = 0; i < lines.Count; i++)
        {
            string body = lines[i][..lines[i].IndexOf(",\"seq\":", StringComparison.Ordinal)];
            if (i == 1) body = body.Replace("file-2.pdf", "forged.pdf");
            AuditChain.Append(file, body, key: Encoding.UTF8.GetBytes("not-the-key"));
        }

        Assert.Equal(AuditLogStatus.Intact, AuditLogVerifier.Verify(file, null).Status);
        AuditLogVerification keyed = AuditLogVerifier.Verify(file, Key);
        Assert.Equal(AuditLogStatus.Modified, keyed.Status);
        Assert.Contains("signature does not match", keyed.Detail);
    }

    [Fact]
    public void WritersInParallelKeepOneUnbrokenChain()
    {
        // Two logs on one folder (two connections, as in two runspaces); separate processes are covered in Pester.
        using AuditLog a = AuditLog.Open(_folder, Key);
        using AuditLog b = AuditLog.Open(_folder, Key);
        Parallel.For(0, 200, i => (i % 2 == 0 ? a : b).Write(new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { Detail = "n" + i }));

        AuditLogVerification result = AuditLogVerifier.Verify(Directory.GetFiles(_folder, "audit-*.jsonl").Single(), Key);

        Assert.Equal(AuditLogStatus.Intact, result.Status);
        Assert.Equal(200, result.Records);
    }

    [Fact]
    public void EveryConcurrentWriterFindsItsRecordInTheFileWhenWriteReturns()
    {
        // Writers queued behind another batch are written together; none may return before its own record is on file.
        using AuditLog log = AuditLog.Open(_folder, Key);
        var missing = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 120, new ParallelOptions { MaxDegreeOfParallelism = 12 }, i =>
        {
            string detail = "writer-" + i + "-done";
            log.Write(new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { Detail = detail });
            string file = Directory.GetFiles(_folder, "audit-*.jsonl").Single();
            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            if (!reader.ReadToEnd().Contains("\"" + detail + "\"", StringComparison.Ordinal)) missing.Add(detail);
        });

        Assert.Empty(missing);
        AuditLogVerification result = AuditLogVerifier.Verify(Directory.GetFiles(_folder, "audit-*.jsonl").Single(), Key);
        Assert.Equal(AuditLogStatus.Intact, result.Status);
        Assert.Equal(120, result.Records);
        Assert.True(result.CheckpointVerified);
    }

    [Fact]
    public void ARecordAppendedByAnotherWriterIsChainedOntoNotOverwritten()
    {
        string file = WriteLog(2);
        // Another process appends record 3 (it read the same tail, so it links to record 2).
        string last = Lines(file)[1];
        string lastHash = last.Substring(last.Length - 66, 64);
        string canonical = "{\"Operation\":\"Validate\",\"Detail\":\"from another process\",\"seq\":3,\"prev\":\"" + lastHash + "\"}";
        File.AppendAllText(file, canonical.Substring(0, canonical.Length - 1) + ",\"hash\":\"" + AuditChain.Sha256Hex(canonical) + "\"}\n");

        using (AuditLog log = AuditLog.Open(_folder, null))
        {
            log.Write(new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { Detail = "after the other writer" });
        }

        List<string> lines = Lines(file);
        Assert.Equal(4, lines.Count);
        Assert.Contains("\"seq\":4,", lines[3]);
        Assert.Contains("after the other writer", lines[3]);
        AuditLogVerification result = AuditLogVerifier.Verify(file, null);
        Assert.Equal(AuditLogStatus.Intact, result.Status);
        Assert.Equal(4, result.Records);
    }

    [Fact]
    public void RecordsWrittenTogetherStayTogetherAmongConcurrentWriters()
    {
        using AuditLog log = AuditLog.Open(_folder, Key);
        Parallel.For(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 12 }, i =>
            log.Write(new[]
            {
                new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { Detail = "pair-" + i + "-first" },
                new AuditRecord(AuditOperations.Validate, AuditOutcomes.Success) { Detail = "pair-" + i + "-second" },
            }));

        string file = Directory.GetFiles(_folder, "audit-*.jsonl").Single();
        List<string> lines = Lines(file);
        Assert.Equal(120, lines.Count);
        for (int i = 0; i < lines.Count; i += 2)
        {
            string first = System.Text.RegularExpressions.Regex.Match(lines[i], "pair-([0-9]+)-first").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(first), "line " + (i + 1) + " should open a pair: " + lines[i]);
            Assert.Contains("\"pair-" + first + "-second\"", lines[i + 1]);
        }

        AuditLogVerification result = AuditLogVerifier.Verify(file, Key);
        Assert.Equal(AuditLogStatus.Intact, result.Status);
        Assert.Equal(120, result.Records);
        Assert.True(result.CheckpointVerified);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
