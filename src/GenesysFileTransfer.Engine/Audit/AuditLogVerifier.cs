using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>What a check of one audit file found.</summary>
    public enum AuditLogStatus
    {
        /// <summary>Every record's hash and link holds, and the checkpoint (when there is one) matches the last record.</summary>
        Intact,

        /// <summary>A record's content does not match its hash, a link does not match, or the checkpoint is not genuine.</summary>
        Modified,

        /// <summary>Sequence numbers are missing: records were removed from the file.</summary>
        Deleted,

        /// <summary>Every sequence number is there, but not in order: records were moved.</summary>
        Reordered,

        /// <summary>The checkpoint names a later record than the file ends with: its tail was cut off (or the file is gone).</summary>
        Truncated,
    }

    /// <summary>The result of checking one audit file (Test-GcAuditLog's output).</summary>
    public sealed class AuditLogVerification
    {
        public string Path { get; internal set; } = string.Empty;
        public AuditLogStatus Status { get; internal set; }
        public bool Intact => Status == AuditLogStatus.Intact;

        /// <summary>Chained records read.</summary>
        public long Records { get; internal set; }

        /// <summary>The last sequence number in the file.</summary>
        public long LastSequence { get; internal set; }

        /// <summary>The line number (1-based) of the first record that is wrong or out of place; null when intact.</summary>
        public long? FirstBadLine { get; internal set; }

        /// <summary>The sequence number the first bad record carries or should have carried.</summary>
        public long? FirstBadSequence { get; internal set; }

        /// <summary>True when a checkpoint was found and matches; false when there is none (a cut-off tail is then undetectable).</summary>
        public bool CheckpointVerified { get; internal set; }

        /// <summary>True when the checkpoint's HMAC was checked with the audit key.</summary>
        public bool KeyVerified { get; internal set; }

        /// <summary>Lines written before records were chained (an older version of the module), at the start of the file.</summary>
        public long UnchainedRecords { get; internal set; }

        public string Detail { get; internal set; } = string.Empty;

        public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: {Status} ({Detail})";
    }

    /// <summary>Checks chained audit files (<see cref="AuditChain"/>).</summary>
    public static class AuditLogVerifier
    {
        public static AuditLogVerification Verify(string file, byte[]? key)
        {
            var result = new AuditLogVerification { Path = file };
            string checkpointPath = AuditChain.CheckpointPath(file);
            var entries = new List<(long Line, long Seq, string Prev, string Hash)>();
            if (File.Exists(file))
            {
                long lineNumber = 0;
                using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false));
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    lineNumber++;
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    Match match = AuditChain.Tail.Match(line);
                    if (!match.Success)
                    {
                        if (entries.Count == 0)
                        {
                            result.UnchainedRecords++;
                            continue;
                        }

                        return Bad(result, AuditLogStatus.Modified, lineNumber, entries[entries.Count - 1].Seq + 1, $"line {lineNumber} is not a chained record (its sequence number or hash was removed or altered)");
                    }

                    int cut = line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
                    string canonical = line.Substring(0, cut) + "}";
                    long seq = long.Parse(match.Groups["seq"].Value, CultureInfo.InvariantCulture);
                    string hash = match.Groups["hash"].Value;
                    if (!string.Equals(AuditChain.Sha256Hex(canonical), hash, StringComparison.Ordinal))
                    {
                        return Bad(result, AuditLogStatus.Modified, lineNumber, seq, $"record {seq} (line {lineNumber}) does not match its hash: its content was changed");
                    }

                    entries.Add((lineNumber, seq, match.Groups["prev"].Value, hash));
                }
            }

            result.Records = entries.Count;
            result.LastSequence = entries.Count == 0 ? 0 : entries.Max(e => e.Seq);

            // Order: every number from 1 up, each once, in order.
            for (int i = 0; i < entries.Count; i++)
            {
                long expected = i == 0 ? 1 : entries[i - 1].Seq + 1;
                if (entries[i].Seq == expected)
                {
                    string prev = i == 0 ? AuditChain.Genesis : entries[i - 1].Hash;
                    if (!string.Equals(entries[i].Prev, prev, StringComparison.Ordinal))
                    {
                        return Bad(result, AuditLogStatus.Modified, entries[i].Line, entries[i].Seq, $"record {entries[i].Seq} (line {entries[i].Line}) does not link to the record before it: a record was replaced");
                    }

                    continue;
                }

                var numbers = new HashSet<long>(entries.Select(e => e.Seq));
                bool complete = numbers.Count == entries.Count && numbers.Min() == 1 && numbers.Max() == entries.Count;
                if (complete)
                {
                    return Bad(result, AuditLogStatus.Reordered, entries[i].Line, entries[i].Seq, $"record {entries[i].Seq} is at line {entries[i].Line}, where record {expected} belongs: records were moved");
                }

                if (entries[i].Seq > expected)
                {
                    return Bad(result, AuditLogStatus.Deleted, entries[i].Line, expected, expected == entries[i].Seq - 1
                        ? $"record {expected} is missing before line {entries[i].Line}: it was deleted"
                        : $"records {expected} to {entries[i].Seq - 1} are missing before line {entries[i].Line}: they were deleted");
                }

                return Bad(result, AuditLogStatus.Reordered, entries[i].Line, entries[i].Seq, $"record {entries[i].Seq} at line {entries[i].Line} comes after record {entries[i - 1].Seq}: records were moved or repeated");
            }

            // The checkpoint: the tail, and (with a key) that the chain is the one the writer made.
            if (!File.Exists(checkpointPath))
            {
                result.Status = File.Exists(file) ? AuditLogStatus.Intact : AuditLogStatus.Truncated;
                result.Detail = File.Exists(file)
                    ? $"{entries.Count} records chained; no checkpoint, so a cut-off tail could not be detected"
                    : "neither the file nor its checkpoint exists";
                return result;
            }

            long cpSeq;
            string cpHash;
            string? cpMac;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(checkpointPath));
                cpSeq = doc.RootElement.GetProperty("seq").GetInt64();
                cpHash = doc.RootElement.GetProperty("hash").GetString() ?? string.Empty;
                cpMac = doc.RootElement.TryGetProperty("mac", out JsonElement mac) ? mac.GetString() : null;
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is FormatException)
            {
                return Bad(result, AuditLogStatus.Modified, null, null, $"the checkpoint '{System.IO.Path.GetFileName(checkpointPath)}' is damaged");
            }

            if (key != null)
            {
                if (cpMac is null || !string.Equals(cpMac, AuditChain.Mac(key, System.IO.Path.GetFileName(file), cpSeq, cpHash), StringComparison.Ordinal))
                {
                    return Bad(result, AuditLogStatus.Modified, null, cpSeq, "the checkpoint's signature does not match the audit key: the checkpoint was forged, or another key was used");
                }

                result.KeyVerified = true;
            }

            if (cpSeq > result.LastSequence)
            {
                return Bad(result, AuditLogStatus.Truncated, null, result.LastSequence + 1, result.LastSequence == 0
                    ? $"the file holds no records, but its checkpoint names record {cpSeq}: it was emptied or deleted"
                    : $"the file ends at record {result.LastSequence}, but its checkpoint names record {cpSeq}: records {result.LastSequence + 1} to {cpSeq} were cut off");
            }

            var at = entries.FirstOrDefault(e => e.Seq == cpSeq);
            if (at.Hash is null || !string.Equals(at.Hash, cpHash, StringComparison.Ordinal))
            {
                return Bad(result, AuditLogStatus.Modified, at.Hash is null ? (long?)null : at.Line, cpSeq, $"record {cpSeq} does not have the hash its checkpoint recorded: the chain was rewritten");
            }

            result.CheckpointVerified = true;
            result.Status = AuditLogStatus.Intact;
            result.Detail = $"{entries.Count} records chained and matching the checkpoint" + (result.KeyVerified ? " (signed with the audit key)" : " (checkpoint not signed: set an audit key to detect a rewritten log)");
            return result;
        }

        private static AuditLogVerification Bad(AuditLogVerification result, AuditLogStatus status, long? line, long? seq, string detail)
        {
            result.Status = status;
            result.FirstBadLine = line;
            result.FirstBadSequence = seq;
            result.Detail = detail;
            return result;
        }
    }
}
