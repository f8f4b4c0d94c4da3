using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>Size and digests of a file, computed in one streaming pass (never the whole file in memory).</summary>
    public sealed class FileFacts
    {
        private const int BufferSize = 81920;

        private FileFacts(string path, long length, string sha256, string md5Base64)
        {
            Path = path;
            FileName = System.IO.Path.GetFileName(path);
            Length = length;
            Sha256 = sha256;
            Md5Base64 = md5Base64;
        }

        public string Path { get; }
        public string FileName { get; }
        public long Length { get; }
        public string Sha256 { get; }
        public string Md5Base64 { get; }

        public static FileFacts Compute(string path, CancellationToken cancellationToken = default)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            using var sha = SHA256.Create();
            using var md5 = MD5.Create();
            byte[] buffer = new byte[BufferSize];
            long total = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha.TransformBlock(buffer, 0, read, null, 0);
                md5.TransformBlock(buffer, 0, read, null, 0);
                total += read;
            }

            sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
            md5.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
            return new FileFacts(path, total, ToHex(sha.Hash!), Convert.ToBase64String(md5.Hash!));
        }

        private static string ToHex(byte[] bytes)
        {
            char[] chars = new char[bytes.Length * 2];
            const string digits = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
            }

            return new string(chars);
        }
    }
}
