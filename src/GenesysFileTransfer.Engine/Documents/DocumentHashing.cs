using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>The digests the object-store sinks compare with what a store holds, computed one way for all of them.</summary>
    internal static class DocumentHashing
    {
        private const int BufferSize = 81920;

        /// <summary>SHA-256 (and, when asked, MD5) in lower-case hex, and the length, of everything left in <paramref name="source"/>.</summary>
        public static async Task<(string Sha256, string? Md5, long Length)> HashAsync(Stream source, bool md5, CancellationToken cancellationToken)
        {
            byte[] buffer = new byte[BufferSize];
            using (IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (IncrementalHash? md5Hash = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null)
            {
                long total = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    sha.AppendData(buffer, 0, read);
                    md5Hash?.AppendData(buffer, 0, read);
                }

                return (FileSystemDocumentSink.Hex(sha.GetHashAndReset()), md5Hash is null ? null : FileSystemDocumentSink.Hex(md5Hash.GetHashAndReset()), total);
            }
        }

        /// <summary>The MD5 of a document whose caller did not compute it; its length and SHA-256 are checked on the way.</summary>
        public static async Task<string> ContentMd5Async(DocumentToStore document, CancellationToken cancellationToken)
        {
            using (Stream content = document.OpenContent())
            {
                var (sha256, md5, length) = await HashAsync(content, md5: true, cancellationToken).ConfigureAwait(false);
                if (length != document.Length || !string.Equals(sha256, document.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new DocumentIntegrityException(
                        document.DocumentKey,
                        $"Document '{document.DocumentKey}' reads as {length} bytes with SHA-256 {sha256}, not the verified {document.Length} bytes with {document.Sha256}.");
                }

                return md5!;
            }
        }

        public static byte[] FromHex(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
            }

            return bytes;
        }
    }
}
