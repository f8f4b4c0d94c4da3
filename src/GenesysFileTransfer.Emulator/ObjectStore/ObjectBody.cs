using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace GenesysFileTransfer.Emulator.ObjectStore;

/// <summary>What was received for one object: its length, digests and any trailing headers of an aws-chunked body.</summary>
internal sealed record ReceivedBody(long Length, byte[] Md5, byte[] Sha256, byte[] Sha1, uint Crc32, uint Crc32C, IReadOnlyDictionary<string, string> Trailers);

/// <summary>The body did not follow the aws-chunked framing (or ended early).</summary>
internal sealed class MalformedBodyException(string message) : Exception(message);

/// <summary>
/// Reads a PUT body into a file while computing every digest S3 may be asked to check. Plain bodies are copied as
/// they are; <c>Content-Encoding: aws-chunked</c> bodies (what the AWS SDKs send for a streamed, signed upload:
/// <c>&lt;hex size&gt;[;chunk-signature=…]\r\n&lt;data&gt;\r\n</c> … a zero-size chunk, then optional trailing headers
/// such as <c>x-amz-checksum-crc32</c>) are unframed first. Chunk signatures are not verified.
/// </summary>
internal static class ObjectBody
{
    private const int ChunkSize = 128 * 1024;
    private const int MaxLineLength = 8 * 1024;

    public static async Task<ReceivedBody> ReadAsync(Stream body, bool awsChunked, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkSize, FileOptions.Asynchronous);
        var digests = new Digests();
        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (awsChunked)
        {
            var reader = new BufferedReader(body);
            while (true)
            {
                var header = await reader.ReadLineAsync(cancellationToken) ?? throw new MalformedBodyException("The aws-chunked body ended before its final chunk.");
                var sizeText = header.Split(';')[0].Trim();
                if (!long.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size < 0)
                    throw new MalformedBodyException($"'{Truncate(header)}' is not an aws-chunked chunk header.");
                if (size == 0) break;
                await reader.CopyExactlyAsync(size, file, digests, cancellationToken);
                var end = await reader.ReadLineAsync(cancellationToken);
                if (end is null || end.Length != 0) throw new MalformedBodyException("An aws-chunked chunk is longer than its header says.");
            }

            while (true)
            {
                var line = await reader.ReadLineAsync(cancellationToken);
                if (line is null || line.Length == 0) break;
                var colon = line.IndexOf(':');
                if (colon <= 0) throw new MalformedBodyException($"'{Truncate(line)}' is not a trailing header.");
                trailers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
        else
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
                {
                    digests.Append(buffer.AsSpan(0, read));
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        await file.FlushAsync(cancellationToken);
        return digests.Complete(trailers);
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>MD5 (the ETag), SHA-256, SHA-1, CRC32 and CRC32C, in one pass.</summary>
    private sealed class Digests
    {
        private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private uint _crc32 = 0xFFFFFFFFu;
        private uint _crc32C = 0xFFFFFFFFu;
        private long _length;

        public void Append(ReadOnlySpan<byte> data)
        {
            _md5.AppendData(data);
            _sha256.AppendData(data);
            _sha1.AppendData(data);
            _crc32 = Crc.Update(Crc.Ieee, _crc32, data);
            _crc32C = Crc.Update(Crc.Castagnoli, _crc32C, data);
            _length += data.Length;
        }

        public ReceivedBody Complete(IReadOnlyDictionary<string, string> trailers)
        {
            var body = new ReceivedBody(_length, _md5.GetHashAndReset(), _sha256.GetHashAndReset(), _sha1.GetHashAndReset(), ~_crc32, ~_crc32C, trailers);
            _md5.Dispose();
            _sha256.Dispose();
            _sha1.Dispose();
            return body;
        }
    }

    /// <summary>A small buffered reader over the request body: CRLF-terminated lines and exact-length payloads.</summary>
    private sealed class BufferedReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[ChunkSize];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken)) return line.Length == 0 ? null : throw new MalformedBodyException("The body ended in the middle of a line.");
                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf((byte)'\n');
                var take = newline < 0 ? span.Length : newline;
                line.Append(Encoding.ASCII.GetString(span[..take]));
                if (line.Length > MaxLineLength) throw new MalformedBodyException("A chunk header or trailer line is too long.");
                _start += take;
                if (newline >= 0)
                {
                    _start++;
                    if (line.Length > 0 && line[^1] == '\r') line.Length--;
                    return line.ToString();
                }
            }
        }

        public async Task CopyExactlyAsync(long count, Stream target, Digests digests, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync(cancellationToken)) throw new MalformedBodyException("The body ended inside a chunk.");
                var take = (int)Math.Min(count, _end - _start);
                digests.Append(_buffer.AsSpan(_start, take));
                await target.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken);
                _start += take;
                count -= take;
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }
}

/// <summary>Table-driven CRC-32 for the IEEE and Castagnoli polynomials (S3's CRC32 and CRC32C checksums).</summary>
internal static class Crc
{
    public static readonly uint[] Ieee = Table(0xEDB88320u);
    public static readonly uint[] Castagnoli = Table(0x82F63B78u);

    public static uint Update(uint[] table, uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The checksum as S3 sends it: the big-endian bytes, base64.</summary>
    public static string ToBase64(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Convert.ToBase64String(bytes);
    }

    private static uint[] Table(uint polynomial)
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
            table[n] = c;
        }

        return table;
    }
}
