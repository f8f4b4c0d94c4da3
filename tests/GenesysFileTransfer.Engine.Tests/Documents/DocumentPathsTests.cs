using System.Text;
using GenesysFileTransfer.Engine.Documents;

namespace GenesysFileTransfer.Engine.Tests.Documents;

public sealed class DocumentPathsTests
{
    [Theory]
    [InlineData("transfer/2ff7da99-d8e8-4344-970f-380e088ce1ea", "invoice.pdf", "transfer/2ff7da99-d8e8-4344-970f-380e088ce1ea/invoice.pdf")]
    [InlineData("attachment/int-1/att-9", "Scan 2026-11-24.jpeg", "attachment/int-1/att-9/Scan 2026-11-24.jpeg")]
    public void Safe_keys_and_names_are_kept_as_they_are(string key, string name, string expected)
        => Assert.Equal(expected, DocumentPaths.RelativePath(key, name));

    [Theory]
    [InlineData("a:b?.pdf")]
    [InlineData("..")]
    [InlineData(".hidden.pdf")]
    [InlineData("CON.txt")]
    [InlineData("nul")]
    [InlineData("invoice\u202Efdp.exe")]
    [InlineData("trailing. ")]
    [InlineData("tab\tname.pdf")]
    [InlineData("")]
    public void Unsafe_names_are_changed_deterministically_and_tagged_with_a_hash_of_the_original(string name)
    {
        string safe = DocumentPaths.SafeFileName(name);

        Assert.Equal(safe, DocumentPaths.SafeFileName(name));
        Assert.NotEqual(name, safe);
        Assert.Matches("~[0-9a-f]{8}", safe);
        Assert.False(safe.StartsWith('.'));
        Assert.False(safe.EndsWith('.') || safe.EndsWith(' '));
        Assert.DoesNotContain(safe, c => c < 0x20 || "<>:\"/\\|?*".Contains(c) || c == '\u202E');
        Assert.DoesNotMatch("^(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])(\\.|$)", safe);
    }

    [Fact]
    public void Two_different_unsafe_names_never_share_a_safe_name()
    {
        Assert.NotEqual(DocumentPaths.SafeFileName("a:b.pdf"), DocumentPaths.SafeFileName("a?b.pdf"));
        Assert.NotEqual(DocumentPaths.SafeFileName("a:b.pdf"), DocumentPaths.SafeFileName("a_b.pdf"));
    }

    [Fact]
    public void Long_names_are_shortened_to_a_byte_budget_keeping_the_extension()
    {
        string name = string.Concat(Enumerable.Repeat("ü", 200)) + ".pdf";

        string safe = DocumentPaths.SafeFileName(name);

        Assert.True(Encoding.UTF8.GetByteCount(safe) <= DocumentPaths.MaxNameBytes);
        Assert.EndsWith(".pdf", safe);
        Assert.Equal(safe, DocumentPaths.SafeFileName(name));
    }

    [Fact]
    public void Key_segments_that_try_to_climb_out_become_plain_names()
    {
        string path = DocumentPaths.RelativePath("attachment/../../x", "f.txt");

        Assert.DoesNotContain("..", path.Split('/'));
        Assert.StartsWith("attachment/", path);
    }
}
