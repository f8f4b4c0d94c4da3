using Xunit;
using System.Text;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Storage;

public class ContentValidationTests
{
    [Fact]
    public async Task A_file_carrying_the_eicar_test_signature_becomes_invalid()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var (ticket, status) = await session.UploadAsync(token, "readme.txt", SampleFiles.Text(SampleFiles.Eicar));

        Assert.Equal("invalid", status);
        Assert.Contains("EICAR", session.Host.State.FindMedia(ticket.Id)!.InvalidReason);
    }

    [Fact]
    public async Task Executable_bytes_named_as_a_pdf_become_invalid()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var (ticket, status) = await session.UploadAsync(token, "invoice.pdf", SampleFiles.WindowsExecutable());

        Assert.Equal("invalid", status);
        var media = await session.GetMediaAsync(token, ticket.Id);
        Assert.Equal("application/x-msdownload", media.GetProperty("mediaType").GetString());
        Assert.False(media.TryGetProperty("url", out _));
        Assert.Contains("application/pdf", session.Host.State.FindMedia(ticket.Id)!.InvalidReason);
    }

    [Fact]
    public async Task A_type_missing_from_the_outbound_list_becomes_invalid()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.OutboundMediaTypes = ["image/png", "application/pdf"]);
        var token = await session.GetTokenAsync();

        var (gif, gifStatus) = await session.UploadAsync(token, "anim.gif", SampleFiles.Gif());
        var (_, pngStatus) = await session.UploadAsync(token, "still.png", SampleFiles.Png());

        Assert.Equal("invalid", gifStatus);
        Assert.Contains("outbound", session.Host.State.FindMedia(gif.Id)!.InvalidReason);
        Assert.Equal("valid", pngStatus);
    }

    [Fact]
    public async Task Wildcards_in_the_outbound_list_admit_a_whole_family()
    {
        await using var session = await EmulatorSession.StartAsync(o => o.OutboundMediaTypes = ["image/*"]);
        var token = await session.GetTokenAsync();

        var (_, gif) = await session.UploadAsync(token, "anim.gif", SampleFiles.Gif());
        var (_, pdf) = await session.UploadAsync(token, "doc.pdf", SampleFiles.Pdf());

        Assert.Equal("valid", gif);
        Assert.Equal("invalid", pdf);
    }

    [Fact]
    public async Task Octet_stream_files_are_invalid_under_the_default_profile_and_valid_under_everything()
    {
        await using var defaults = await EmulatorSession.StartAsync();
        await using var everything = await EmulatorSession.StartAsync(o => o.OutboundMediaTypes = ["*/*"]);

        var (_, underDefaults) = await defaults.UploadAsync(await defaults.GetTokenAsync(), "data.bin", SampleFiles.Pdf());
        var (_, underEverything) = await everything.UploadAsync(await everything.GetTokenAsync(), "data.bin", SampleFiles.Pdf());

        Assert.Equal("invalid", underDefaults);
        Assert.Equal("valid", underEverything);
    }

    [Theory]
    [InlineData(new byte[] { 0x48, 0x69, 0xC3, 0x28 })] // a broken two-byte sequence
    [InlineData(new byte[] { 0x48, 0x69, 0x00, 0x21 })] // a NUL byte
    [InlineData(new byte[] { 0x48, 0x69, 0xE2, 0x82 })] // a sequence cut off at the end
    public async Task Text_that_is_not_clean_utf8_becomes_invalid(byte[] content)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var (_, status) = await session.UploadAsync(token, "notes.txt", content);

        Assert.Equal("invalid", status);
    }

    [Fact]
    public async Task Multilingual_utf8_text_is_valid()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        var (ticket, status) = await session.UploadAsync(token, "notes.txt", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Grüße, 世界 🌍\n", 2000))));

        Assert.Equal("valid", status);
        Assert.Equal("text/plain", (await session.GetMediaAsync(token, ticket.Id)).GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task An_eicar_signature_deep_inside_a_large_file_is_found()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var content = SampleFiles.Pdf(300_000);
        Encoding.ASCII.GetBytes(SampleFiles.Eicar).CopyTo(content, 200_000 - 30);

        var (_, status) = await session.UploadAsync(token, "big.pdf", content);

        Assert.Equal("invalid", status);
    }

    [Fact]
    public async Task A_later_put_replaces_the_content_and_the_verdict()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var bad = SampleFiles.WindowsExecutable(2048);
        var good = SampleFiles.Pdf(2048);
        var ticket = await session.CreateUploadAsync(token, "retry.pdf", good);

        using (var first = await session.PutAsync(ticket, bad)) Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal("invalid", session.Host.State.FindMedia(ticket.Id)!.Status);
        using (var second = await session.PutAsync(ticket, good)) Assert.Equal(200, (int)second.StatusCode);

        Assert.Equal("valid", session.Host.State.FindMedia(ticket.Id)!.Status);
    }
}
