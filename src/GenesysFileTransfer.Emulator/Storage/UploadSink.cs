using System.Security.Cryptography;
using System.Text;

namespace GenesysFileTransfer.Emulator.Storage;

/// <summary>What was learnt while streaming one PUT body.</summary>
internal sealed record UploadFacts(
    long ByteCount,
    byte[] Md5,
    string Sha256Hex,
    byte[] Head,
    bool EicarFound,
    bool TextChecked,
    bool IsUtf8Text);

/// <summary>
/// Receives a PUT body chunk by chunk: writes it to disk, hashes it (MD5 for Content-MD5/ETag, SHA-256 for the
/// normalized attachment), keeps the first bytes for type sniffing and looks for the EICAR test signature across
/// chunk boundaries. Nothing is buffered beyond the head and a signature-sized tail.
/// </summary>
internal sealed class UploadSink : IAsyncDisposable
{
    public const int HeadSize = 8 * 1024;

    /// <summary>The size callers should feed chunks in; the file is written unbuffered in chunks this size.</summary>
    public const int ChunkSize = 128 * 1024;

    internal static readonly byte[] Eicar =
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"u8.ToArray();

    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly FileStream _file;
    private readonly long _storeLimit;
    private readonly byte[] _head = new byte[HeadSize];
    private readonly byte[] _tail = new byte[Eicar.Length - 1];
    private readonly Decoder? _utf8;
    private char[] _chars = [];
    private int _headLength;
    private int _tailLength;
    private long _byteCount;
    private bool _eicarFound;
    private bool _isUtf8Text;

    /// <param name="storeLimit">Bytes past this count are counted and hashed but not stored: the PUT will be refused.</param>
    /// <param name="checkText">Validate UTF-8 and look for NUL bytes (only worth it for text/plain).</param>
    public UploadSink(string path, long storeLimit, bool checkText)
    {
        _storeLimit = storeLimit;
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        if (checkText)
        {
            _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
            _isUtf8Text = true;
        }
    }

    /// <summary>The chunk must stay untouched until the returned task completes.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        // The disk write runs while the chunk is hashed and scanned, so the two costs overlap.
        var room = _storeLimit - _byteCount;
        var write = room > 0 ? _file.WriteAsync(chunk[..(int)Math.Min(room, chunk.Length)], cancellationToken) : ValueTask.CompletedTask;
        Inspect(chunk.Span);
        _byteCount += chunk.Length;
        await write;
    }

    public async Task<UploadFacts> CompleteAsync(CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken);
        if (_utf8 is not null && _isUtf8Text)
        {
            try
            {
                _utf8.GetChars([], [], flush: true);
            }
            catch (DecoderFallbackException)
            {
                _isUtf8Text = false;
            }
        }

        return new UploadFacts(
            _byteCount,
            _md5.GetHashAndReset(),
            Convert.ToHexStringLower(_sha256.GetHashAndReset()),
            _head.AsSpan(0, _headLength).ToArray(),
            _eicarFound,
            _utf8 is not null,
            _isUtf8Text);
    }

    private void Inspect(ReadOnlySpan<byte> chunk)
    {
        _md5.AppendData(chunk);
        _sha256.AppendData(chunk);

        if (_headLength < HeadSize)
        {
            var take = Math.Min(HeadSize - _headLength, chunk.Length);
            chunk[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
        }

        if (!_eicarFound) LookForEicar(chunk);
        if (_utf8 is not null && _isUtf8Text) CheckText(chunk);
    }

    /// <summary>Searches the chunk and the seam with the previous chunk's tail, so a signature split across reads is found.</summary>
    private void LookForEicar(ReadOnlySpan<byte> chunk)
    {
        var keep = _tail.Length;
        if (_tailLength > 0)
        {
            var take = Math.Min(chunk.Length, keep);
            Span<byte> seam = stackalloc byte[_tailLength + take];
            _tail.AsSpan(0, _tailLength).CopyTo(seam);
            chunk[..take].CopyTo(seam[_tailLength..]);
            if (seam.IndexOf(Eicar) >= 0) _eicarFound = true;
        }

        if (!_eicarFound && chunk.IndexOf(Eicar) >= 0) _eicarFound = true;

        if (chunk.Length >= keep)
        {
            chunk[^keep..].CopyTo(_tail);
            _tailLength = keep;
        }
        else
        {
            var drop = Math.Max(0, _tailLength + chunk.Length - keep);
            _tail.AsSpan(drop, _tailLength - drop).CopyTo(_tail);
            _tailLength -= drop;
            chunk.CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += chunk.Length;
        }
    }

    private void CheckText(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IndexOf((byte)0) >= 0)
        {
            _isUtf8Text = false;
            return;
        }

        if (_chars.Length < chunk.Length + 4) _chars = new char[chunk.Length + 4];
        try
        {
            _utf8!.GetChars(chunk, _chars, flush: false);
        }
        catch (DecoderFallbackException)
        {
            _isUtf8Text = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _md5.Dispose();
        _sha256.Dispose();
    }
}
