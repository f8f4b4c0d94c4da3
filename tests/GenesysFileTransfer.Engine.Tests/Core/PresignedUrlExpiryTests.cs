using GenesysFileTransfer.Engine.Transfers;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

public class PresignedUrlExpiryTests
{
    [Fact]
    public void SigV4_expiry_is_signing_time_plus_expires_seconds()
    {
        var url = new Uri("https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261124T101500Z&X-Amz-Expires=900&X-Amz-Signature=ab");

        Assert.True(PresignedUrlExpiry.TryParse(url, out DateTimeOffset expires));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 30, 0, TimeSpan.Zero), expires);
    }

    [Fact]
    public void SigV4_parameter_names_are_matched_case_insensitively()
    {
        var url = new Uri("https://s3.example/b/k?x-amz-date=20261124T000000Z&x-amz-expires=60");

        Assert.True(PresignedUrlExpiry.TryParse(url, out DateTimeOffset expires));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 1, 0, TimeSpan.Zero), expires);
    }

    [Fact]
    public void SigV2_expires_is_read_as_unix_seconds()
    {
        var url = new Uri("https://s3.example/b/k?AWSAccessKeyId=x&Expires=1795000000&Signature=y");

        Assert.True(PresignedUrlExpiry.TryParse(url, out DateTimeOffset expires));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795000000), expires);
    }

    [Fact]
    public void Azure_sas_se_parameter_is_understood()
    {
        var url = new Uri("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-11-24T12%3A00%3A00Z&sig=abc");

        Assert.True(PresignedUrlExpiry.TryParse(url, out DateTimeOffset expires));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), expires);
    }

    [Theory]
    [InlineData("https://s3.example/b/k")]
    [InlineData("https://s3.example/b/k?X-Amz-Date=notadate&X-Amz-Expires=900")]
    [InlineData("https://s3.example/b/k?X-Amz-Date=20261124T101500Z")]
    [InlineData("https://s3.example/b/k?X-Amz-Date=20261124T101500Z&X-Amz-Expires=-5")]
    public void Urls_without_a_readable_expiry_are_reported_as_unknown(string text)
    {
        Assert.False(PresignedUrlExpiry.TryParse(new Uri(text), out _));
    }
}
