using Xunit;
using System.Security.Cryptography;
using System.Text;
using GenesysFileTransfer.Emulator.Storage;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Storage;

/// <summary>
/// The streaming inspector fed in awkward chunk sizes, which a socket may deliver but an HTTP test cannot force.
/// </summary>
public sealed class UploadSinkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("upload-sink-tests-").FullName;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(67)]
    [InlineData(68)]
    [InlineData(4096)]
    public async Task The_eicar_signature_is_found_wherever_the_chunk_boundaries_fall(int chunkSize)
    {
        var content = new byte[10_000];
        Array.Fill(content, (byte)'x');
        Encoding.ASCII.GetBytes(SampleFiles.Eicar).CopyTo(content, 5_000 - 33);

        var facts = await FeedAsync(content, chunkSize, checkText: false);

        Assert.True(facts.EicarFound);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(67)]
    [InlineData(4096)]
    public async Task An_almost_eicar_file_is_not_flagged(int chunkSize)
    {
        var content = Encoding.ASCII.GetBytes("prefix " + SampleFiles.Eicar[..^1] + "? suffix");

        var facts = await FeedAsync(content, chunkSize, checkText: false);

        Assert.False(facts.EicarFound);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public async Task Hashes_head_and_utf8_verdict_do_not_depend_on_chunking(int chunkSize)
    {
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("naïve café 日本語 ", 1000)));

        var facts = await FeedAsync(content, chunkSize, checkText: true);

        Assert.Equal(content.Length, facts.ByteCount);
        Assert.Equal(MD5.HashData(content), facts.Md5);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), facts.Sha256Hex);
        Assert.Equal(content[..UploadSink.HeadSize], facts.Head);
        Assert.True(facts.IsUtf8Text);
    }

    [Fact]
    public async Task Bytes_past_the_declared_length_are_counted_but_not_stored()
    {
        var path = Path.Combine(_folder, "capped.bin");
        var sink = new UploadSink(path, storeLimit: 10, checkText: false);
        await using (sink)
        {
            await sink.WriteAsync(new byte[25], CancellationToken.None);
            var facts = await sink.CompleteAsync(CancellationToken.None);
            Assert.Equal(25, facts.ByteCount);
        }

        Assert.Equal(10, new FileInfo(path).Length);
    }

    private async Task<UploadFacts> FeedAsync(byte[] content, int chunkSize, bool checkText)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        UploadFacts facts;
        await using (var sink = new UploadSink(path, content.Length, checkText))
        {
            for (var offset = 0; offset < content.Length; offset += chunkSize)
                await sink.WriteAsync(content.AsMemory(offset, Math.Min(chunkSize, content.Length - offset)), CancellationToken.None);
            facts = await sink.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        return facts;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
