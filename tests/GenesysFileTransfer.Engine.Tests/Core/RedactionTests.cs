using GenesysFileTransfer.Engine.Audit;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

public class RedactionTests
{
    private const string Presigned = "https://bucket.s3.amazonaws.com/media/abc/file.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261124T101500Z&X-Amz-Expires=900&X-Amz-Signature=deadbeefcafe0123456789";

    [Fact]
    public void StripQuery_keeps_scheme_host_and_path_only()
    {
        Assert.Equal("https://bucket.s3.amazonaws.com/media/abc/file.pdf", Redaction.StripQuery(new Uri(Presigned)));
    }

    [Fact]
    public void Scrub_removes_query_strings_from_urls_inside_text()
    {
        string scrubbed = Redaction.Scrub("PUT " + Presigned + " failed");

        Assert.DoesNotContain("deadbeefcafe", scrubbed);
        Assert.DoesNotContain("X-Amz-Date", scrubbed);
        Assert.Contains("https://bucket.s3.amazonaws.com/media/abc/file.pdf?***", scrubbed);
    }

    [Fact]
    public void Scrub_masks_a_bare_signature_parameter_without_a_url()
    {
        string scrubbed = Redaction.Scrub("query was X-Amz-Signature=abcdef0123&X-Amz-Expires=900");

        Assert.DoesNotContain("abcdef0123", scrubbed);
        Assert.Contains("X-Amz-Signature=***", scrubbed);
    }

    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")]
    [InlineData("authorization: bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")]
    [InlineData("Authorization: Basic ZW11bGF0b3ItY2xpZW50OnNlY3JldA==")]
    public void Scrub_masks_authorization_values(string text)
    {
        string scrubbed = Redaction.Scrub(text);

        Assert.DoesNotContain("eyJhbGciOiJIUzI1NiJ9", scrubbed);
        Assert.DoesNotContain("ZW11bGF0b3ItY2xpZW50OnNlY3JldA", scrubbed);
        Assert.Contains("***", scrubbed);
    }

    [Fact]
    public void Scrub_masks_known_secret_values_wherever_they_appear()
    {
        string scrubbed = Redaction.Scrub("server echoed token-1234567890abcdef in its message", new[] { "token-1234567890abcdef" });

        Assert.Equal("server echoed *** in its message", scrubbed);
    }

    [Fact]
    public void Scrub_ignores_very_short_secret_values_that_would_mask_ordinary_words()
    {
        Assert.Equal("the file was sent", Redaction.Scrub("the file was sent", new[] { "the" }));
    }
}
