using System.Net;
using System.Net.Http;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Transfers;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

public class RetryDecisionTests
{
    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(413, false)]
    [InlineData(501, false)]
    public void Only_timeouts_throttling_and_server_faults_are_transient(int status, bool transient)
    {
        Assert.Equal(transient, RetryClassifier.IsTransientStatus((HttpStatusCode)status));
    }

    [Fact]
    public void Network_faults_are_transient_unless_the_caller_cancelled()
    {
        Assert.True(RetryClassifier.IsTransientException(new HttpRequestException("reset"), callerCancelled: false));
        Assert.True(RetryClassifier.IsTransientException(new IOException("truncated"), callerCancelled: false));
        Assert.False(RetryClassifier.IsTransientException(new HttpRequestException("reset"), callerCancelled: true));
        Assert.False(RetryClassifier.IsTransientException(new InvalidOperationException("bug"), callerCancelled: false));
    }

    [Fact]
    public void Retry_after_in_seconds_is_read()
    {
        using var response = new HttpResponseMessage((HttpStatusCode)429);
        response.Headers.TryAddWithoutValidation("Retry-After", "42");

        Assert.Equal(TimeSpan.FromSeconds(42), RetryAfter.Parse(response, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Retry_after_as_an_http_date_is_measured_from_now()
    {
        var now = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        using var response = new HttpResponseMessage((HttpStatusCode)503);
        response.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(30).ToString("r"));

        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfter.Parse(response, now));
    }

    [Fact]
    public void Fractional_retry_after_from_gateways_is_accepted()
    {
        using var response = new HttpResponseMessage((HttpStatusCode)429);
        response.Headers.TryAddWithoutValidation("Retry-After", "1.5");

        Assert.Equal(TimeSpan.FromSeconds(1.5), RetryAfter.Parse(response, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void No_retry_after_header_means_no_server_hint()
    {
        using var response = new HttpResponseMessage((HttpStatusCode)503);

        Assert.Null(RetryAfter.Parse(response, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Scan_polling_starts_small_and_backs_off_to_the_cap()
    {
        var options = new ScanWaitOptions { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffFactor = 2, MaxInterval = TimeSpan.FromMilliseconds(500), FastWindow = TimeSpan.Zero };

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.IntervalFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.IntervalFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(400), options.IntervalFor(3));
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.IntervalFor(4));
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.IntervalFor(30));
    }
}
