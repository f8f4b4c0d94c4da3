using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// The tamper-evident form of an audit file. Every record ends with <c>"seq":N,"prev":"&lt;hash of record N-1&gt;","hash":"&lt;hash&gt;"</c>,
    /// where the hash is the SHA-256 (lower-case hex) of the record's canonical form: the exact UTF-8 line without its
    /// <c>,"hash":"…"</c> member. The first record of a file has <c>seq</c> 1 and a <c>prev</c> of 64 zeros. Beside
    /// each file a checkpoint (<c>&lt;file&gt;.checkpoint</c>) holds the last sequence number and hash, keyed with
    /// HMAC-SHA256 when an audit key is configured, so a tail cut off the file is detected, and without the key a
    /// rewritten chain cannot be given a matching checkpoint. Writers in any number of processes take an exclusive lock
    /// on <c>&lt;file&gt;.lock</c> for each batch of records, so the file holds one unbroken chain.
    /// </summary>
    public static class AuditChain
    {
        /// <summary>The environment variable that holds the audit key (any text; its UTF-8 bytes key the HMAC).</summary>
        public const string KeyVariable = "GENESYS_AUDIT_KEY";

        public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

        internal static readonly Regex Tail = new Regex(
            ",\"seq\":(?<seq>[0-9]+),\"prev\":\"(?<prev>[0-9a-f]{64})\",\"hash\":\"(?<hash>[0-9a-f]{64})\"\\}$",
            RegexOptions.CultureInvariant);

        public static string CheckpointPath(string file) => file + ".checkpoint";

        internal static string LockPath(string file) => file + ".lock";

        /// <summary>The key from <see cref="KeyVariable"/>, or null.</summary>
        public static byte[]? KeyFromEnvironment()
        {
            string? text = Environment.GetEnvironmentVariable(KeyVariable);
            return string.IsNullOrEmpty(text) ? null : Encoding.UTF8.GetBytes(text);
        }

        public static string Sha256Hex(string text)
        {
            using SHA256 sha = SHA256.Create();
            return Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }

        internal static string Hex(byte[] bytes)
        {
            var builder = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes)
            {
                builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }

            return builder.ToString();
        }

        /// <summary>The checkpoint's MAC: HMAC-SHA256 over "file|seq|hash".</summary>
        internal static string Mac(byte[] key, string fileName, long seq, string hash)
        {
            using var hmac = new HMACSHA256(key);
            return Hex(hmac.ComputeHash(Encoding.UTF8.GetBytes(fileName + "|" + seq.ToString(CultureInfo.InvariantCulture) + "|" + hash)));
        }

        /// <summary>
        /// Appends one record (a JSON object without its closing brace and newline) to <paramref name="file"/> as the
        /// next link of its chain, and updates the checkpoint, under the file's lock. Returns the sequence number.
        /// Concurrent callers in this process are written together (<see cref="AuditChainWriter"/>).
        /// </summary>
        internal static long Append(string file, string body, byte[]? key) => AuditChainWriter.For(file).Append(body, key);

        internal static FileStream AcquireLock(string file)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return new FileStream(LockPath(file), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
                {
                    Thread.Sleep(Math.Min(20, 1 + attempt));
                }
            }
        }

        internal static void WriteCheckpoint(string file, long seq, string hash, byte[]? key)
        {
            string name = Path.GetFileName(file);
            string json = "{\"file\":\"" + name + "\",\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"hash\":\"" + hash + "\""
                + (key is null ? string.Empty : ",\"mac\":\"" + Mac(key, name, seq, hash) + "\"")
                + ",\"time\":\"" + DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\"}\n";
            // Rewritten in place under the file's lock, not through a temporary file and a rename: creating and
            // renaming a file cost about 0.25 ms here, twenty times the append itself, and the checkpoint is written
            // once per batch of records. Its length only grows (the sequence number does, the time has a fixed
            // width), so a writer stopped between the write and the truncation leaves no stale bytes behind.
            byte[] bytes = new UTF8Encoding(false).GetBytes(json);
            using var stream = new FileStream(CheckpointPath(file), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.Write(bytes, 0, bytes.Length);
            if (stream.Length > bytes.Length)
            {
                stream.SetLength(bytes.Length);
            }
        }

        /// <summary>The sequence number and hash of the file's last chained record (0 and the genesis hash when none).</summary>
        internal static (long Seq, string Hash) ReadLast(string file)
        {
            if (!File.Exists(file))
            {
                return (0, Genesis);
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = stream.Length;
            int window = 64 * 1024;
            while (true)
            {
                long start = Math.Max(0, length - window);
                stream.Seek(start, SeekOrigin.Begin);
                byte[] buffer = new byte[length - start];
                int filled = 0;
                while (filled < buffer.Length)
                {
                    int read = stream.Read(buffer, filled, buffer.Length - filled);
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                }

                string text = Encoding.UTF8.GetString(buffer, 0, filled);
                string[] lines = text.Split('\n');
                for (int i = lines.Length - 1; i >= (start == 0 ? 0 : 1); i--)
                {
                    Match match = Tail.Match(lines[i].TrimEnd('\r'));
                    if (match.Success)
                    {
                        return (long.Parse(match.Groups["seq"].Value, CultureInfo.InvariantCulture), match.Groups["hash"].Value);
                    }
                }

                if (start == 0)
                {
                    // No chained record yet (a new file, or one written before records were chained).
                    return (0, Genesis);
                }

                window *= 4;
            }
        }
    }
}
