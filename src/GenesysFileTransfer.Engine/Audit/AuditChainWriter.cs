using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Concurrency;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// Appends records to one chained audit file for every writer in this process, with group commit
    /// (<see cref="GroupCommit{T}"/>): records that arrive while another batch is being written go in together — one
    /// file lock, one append, one checkpoint for the lot. Each caller still returns only once its own record is in the
    /// file; under load (a listener answering many callbacks at once) the lock and the checkpoint rewrite are paid once
    /// per batch instead of once per record.
    /// </summary>
    internal sealed class AuditChainWriter
    {
        // One writer per file in the process, so every connection writing to it joins the same queue.
        private static readonly ConcurrentDictionary<string, AuditChainWriter> Writers = new ConcurrentDictionary<string, AuditChainWriter>(StringComparer.Ordinal);

        private readonly string _file;
        private readonly GroupCommit<PendingRecord> _batches;

        // The end of the chain as this process left it. When the file still has the length it had after our last
        // batch, nobody else has appended since and the tail need not be read again; any other length (another
        // process wrote, the file was cut or replaced) makes the next batch read the tail from the file.
        private long _knownLength = -1;
        private long _knownSeq;
        private string _knownHash = AuditChain.Genesis;

        private AuditChainWriter(string file)
        {
            _file = file;
            _batches = new GroupCommit<PendingRecord>(WriteBatch);
        }

        public static AuditChainWriter For(string file) => Writers.GetOrAdd(file, path => new AuditChainWriter(path));

        /// <summary>Appends <paramref name="body"/> as the next link and returns its sequence number once it is in the file.</summary>
        public long Append(string body, byte[]? key) => Append(new[] { body }, key);

        /// <summary>Appends <paramref name="bodies"/> as consecutive links; returns the last one's sequence number once all are in the file.</summary>
        public long Append(IReadOnlyList<string> bodies, byte[]? key)
        {
            var mine = new PendingRecord(bodies, key);
            _batches.Submit(mine);
            return mine.Result();
        }

        /// <summary>
        /// <see cref="Append(IReadOnlyList{string}, byte[])"/> without holding the calling thread while another batch
        /// is written; completes once all are in the file.
        /// </summary>
        public async Task<long> AppendAsync(IReadOnlyList<string> bodies, byte[]? key)
        {
            var mine = new PendingRecord(bodies, key);
            await _batches.SubmitAsync(mine).ConfigureAwait(false);
            return mine.Result();
        }

        private void WriteBatch(IReadOnlyList<PendingRecord> batch)
        {
            try
            {
                using FileStream held = AuditChain.AcquireLock(_file);
                using var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                (long seq, string hash) = stream.Length == _knownLength ? (_knownSeq, _knownHash) : AuditChain.ReadLast(_file);
                var text = new StringBuilder();
                using (SHA256 sha = SHA256.Create())
                {
                    foreach (PendingRecord record in batch)
                    {
                        foreach (string body in record.Bodies)
                        {
                            seq++;
                            string canonical = body + ",\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"prev\":\"" + hash + "\"}";
                            hash = AuditChain.Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(canonical)));
                            text.Append(canonical, 0, canonical.Length - 1).Append(",\"hash\":\"").Append(hash).Append("\"}\n");
                        }

                        record.Seq = seq;
                    }
                }

                byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: false);
                AuditChain.WriteCheckpoint(_file, seq, hash, batch[batch.Count - 1].Key);
                _knownLength = stream.Length;
                _knownSeq = seq;
                _knownHash = hash;
            }
            catch (Exception ex)
            {
                // Whatever part of the batch reached the file, the next batch reads the tail again.
                _knownLength = -1;
                ExceptionDispatchInfo failure = ExceptionDispatchInfo.Capture(ex);
                foreach (PendingRecord record in batch)
                {
                    record.Failure = failure;
                }
            }
        }

        private sealed class PendingRecord
        {
            public PendingRecord(IReadOnlyList<string> bodies, byte[]? key)
            {
                Bodies = bodies;
                Key = key;
            }

            public IReadOnlyList<string> Bodies { get; }

            public byte[]? Key { get; }

            public long Seq { get; set; }

            public ExceptionDispatchInfo? Failure { get; set; }

            public long Result()
            {
                Failure?.Throw();
                return Seq;
            }
        }
    }
}
