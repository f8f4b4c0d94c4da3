using System.Text;
using GenesysFileTransfer.Engine.Webhooks;
using static GenesysFileTransfer.Engine.Tests.Webhooks.WebhookTestKit;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

public sealed class ConstantTimeTests
{
    [Theory]
    [InlineData(new byte[] { }, new byte[] { }, true)]
    [InlineData(new byte[] { 1, 2, 3 }, new byte[] { 1, 2, 3 }, true)]
    [InlineData(new byte[] { 9, 2, 3 }, new byte[] { 1, 2, 3 }, false)]
    [InlineData(new byte[] { 1, 2, 3 }, new byte[] { 1, 2, 9 }, false)]
    [InlineData(new byte[] { 1, 2, 3 }, new byte[] { 1, 2 }, false)]
    [InlineData(new byte[] { }, new byte[] { 0 }, false)]
    [InlineData(new byte[] { 0x80 }, new byte[] { 0x00 }, false)]
    public void Compares_like_sequence_equality(byte[] left, byte[] right, bool expected)
    {
        Assert.Equal(expected, ConstantTime.AreEqual(left, right));
        Assert.Equal(expected, ConstantTime.AreEqual(right, left));
    }

    [Fact]
    public void Agrees_with_sequence_equality_on_every_single_bit_difference_of_a_mac()
    {
        var mac = System.Security.Cryptography.SHA256.HashData("x"u8);
        Assert.True(ConstantTime.AreEqual(mac, (byte[])mac.Clone()));
        for (var bit = 0; bit < mac.Length * 8; bit++)
        {
            var other = (byte[])mac.Clone();
            other[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ConstantTime.AreEqual(mac, other));
        }
    }
}

public sealed class OpenMessagingSignatureTests
{
    private static readonly byte[] Body = AttachmentMessage("msg-1", "media-1");

    [Fact]
    public void Accepts_the_signature_Genesys_computes_over_the_raw_body()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var check = OpenMessagingSignature.Verify(Body, OpenHeaders(Body), secret);
        Assert.True(check.IsValid, check.Detail);
        Assert.Equal(OpenSignature(Body), OpenMessagingSignature.Compute(secret, Body));
    }

    [Fact]
    public void Finds_the_header_whatever_its_case()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        Assert.True(OpenMessagingSignature.Verify(Body, Headers(("x-hub-signature-256", OpenSignature(Body))), secret).IsValid);
    }

    [Fact]
    public void Refuses_a_signature_made_with_another_secret()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var check = OpenMessagingSignature.Verify(Body, OpenHeaders(Body, "some-other-secret-value"), secret);
        Assert.False(check.IsValid);
        Assert.Equal(WebhookReasons.SignatureMismatch, check.Reason);
    }

    [Fact]
    public void Refuses_a_body_changed_by_one_byte()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var tampered = (byte[])Body.Clone();
        tampered[^2] ^= 0x01;
        Assert.Equal(WebhookReasons.SignatureMismatch, OpenMessagingSignature.Verify(tampered, OpenHeaders(Body), secret).Reason);
    }

    [Fact]
    public void Refuses_reserialised_json_with_the_same_meaning()
    {
        // Verification is on the bytes: whitespace added by a proxy or a JSON round trip breaks the signature.
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var pretty = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(Body).RootElement, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Assert.False(OpenMessagingSignature.Verify(pretty, OpenHeaders(Body), secret).IsValid);
    }

    [Fact]
    public void Refuses_a_missing_header()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        Assert.Equal(WebhookReasons.SignatureMissing, OpenMessagingSignature.Verify(Body, Headers(("Content-Type", "application/json")), secret).Reason);
    }

    [Theory]
    [InlineData("sha256=")]
    [InlineData("sha256=***not-base64***")]
    [InlineData("sha1=abc")]
    [InlineData("garbage")]
    public void Refuses_malformed_values(string value)
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        Assert.Equal(WebhookReasons.SignatureMismatch, OpenMessagingSignature.Verify(Body, Headers(("X-Hub-Signature-256", value)), secret).Reason);
    }

    [Fact]
    public void Refuses_the_hex_form_Genesys_does_not_send()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var hex = Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(OpenSecret), Body)).ToLowerInvariant();
        Assert.False(OpenMessagingSignature.Verify(Body, Headers(("X-Hub-Signature-256", "sha256=" + hex)), secret).IsValid);
    }

    [Fact]
    public void Accepts_the_right_value_among_repeated_headers()
    {
        using var secret = WebhookSecret.FromString(OpenSecret, WebhookScheme.OpenMessaging);
        var headers = WebhookHeaders.From(new System.Collections.Hashtable { ["X-Hub-Signature-256"] = new[] { OpenSignature(Body, "wrong-secret-wrong-secret"), OpenSignature(Body) } });
        Assert.True(OpenMessagingSignature.Verify(Body, headers, secret).IsValid);
    }
}

public sealed class StandardWebhooksSignatureTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Utf8("{\"type\":\"document.ready\",\"data\":{\"id\":\"msg-9\"}}");
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private static WebhookHeaders SignedHeaders(string id, long timestamp, string signature) =>
        Headers(("webhook-id", id), ("webhook-timestamp", timestamp.ToString()), ("webhook-signature", signature));

    [Fact]
    public void Matches_the_published_test_vector()
    {
        // From the Standard Webhooks reference libraries' tests.
        using var secret = WebhookSecret.FromString("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WebhookScheme.StandardWebhooks);
        var body = Utf8("{\"test\": 2432232314}");
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", StandardWebhooksSignature.Compute(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body));
        var check = StandardWebhooksSignature.Verify(
            body, SignedHeaders("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), secret,
            DateTimeOffset.FromUnixTimeSeconds(1614265330), Tolerance);
        Assert.True(check.IsValid, check.Detail);
    }

    [Fact]
    public void Accepts_a_whsec_secret_and_reports_the_verified_id_and_time()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var check = StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_1", ts, StandardSignature(StandardKey, "evt_1", ts, Body)), secret, Now, Tolerance);
        Assert.True(check.IsValid, check.Detail);
        Assert.Equal("evt_1", check.WebhookId);
        Assert.Equal(Now, check.Timestamp);
    }

    [Fact]
    public void Takes_a_secret_without_the_prefix_as_raw_key_bytes()
    {
        using var secret = WebhookSecret.FromString("a-raw-shared-secret", WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var signature = StandardSignature(Encoding.UTF8.GetBytes("a-raw-shared-secret"), "evt_2", ts, Body);
        Assert.True(StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_2", ts, signature), secret, Now, Tolerance).IsValid);
    }

    [Fact]
    public void Accepts_any_matching_entry_of_several_and_skips_other_versions()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var good = StandardSignature(StandardKey, "evt_3", ts, Body);
        var rotatedOut = StandardSignature(Utf8("the-previous-key-xxxxxxx"), "evt_3", ts, Body);
        var list = $"v1a,{good[3..]} {rotatedOut} {good}";
        Assert.True(StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_3", ts, list), secret, Now, Tolerance).IsValid);
        // Joined by a comma, as a proxy merging two header lines does.
        Assert.True(StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_3", ts, rotatedOut + "," + good), secret, Now, Tolerance).IsValid);
    }

    [Fact]
    public void Refuses_when_no_entry_matches()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var forged = StandardSignature(Utf8("attacker-key-attacker-key"), "evt_4", ts, Body);
        Assert.Equal(WebhookReasons.SignatureMismatch, StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_4", ts, forged), secret, Now, Tolerance).Reason);
        // A v1a (asymmetric) entry alone is never taken for HMAC.
        var good = StandardSignature(StandardKey, "evt_4", ts, Body);
        Assert.Equal(WebhookReasons.SignatureMismatch, StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_4", ts, "v1a," + good[3..]), secret, Now, Tolerance).Reason);
    }

    [Fact]
    public void Refuses_a_valid_signature_moved_to_another_id()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var signature = StandardSignature(StandardKey, "evt_5", ts, Body);
        Assert.Equal(WebhookReasons.SignatureMismatch, StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_6", ts, signature), secret, Now, Tolerance).Reason);
    }

    [Theory]
    [InlineData(-301, false)]
    [InlineData(-299, true)]
    [InlineData(299, true)]
    [InlineData(301, false)]
    public void Applies_the_tolerance_both_ways(int offsetSeconds, bool valid)
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.AddSeconds(offsetSeconds).ToUnixTimeSeconds();
        var check = StandardWebhooksSignature.Verify(Body, SignedHeaders("evt_7", ts, StandardSignature(StandardKey, "evt_7", ts, Body)), secret, Now, Tolerance);
        Assert.Equal(valid, check.IsValid);
        if (!valid) Assert.Equal(WebhookReasons.TimestampStale, check.Reason);
    }

    [Fact]
    public void Refuses_a_replay_of_an_authentic_request_an_hour_later()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var headers = SignedHeaders("evt_8", ts, StandardSignature(StandardKey, "evt_8", ts, Body));
        Assert.True(StandardWebhooksSignature.Verify(Body, headers, secret, Now, Tolerance).IsValid);
        Assert.Equal(WebhookReasons.TimestampStale, StandardWebhooksSignature.Verify(Body, headers, secret, Now.AddHours(1), Tolerance).Reason);
    }

    [Fact]
    public void Names_each_missing_or_malformed_header()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds().ToString();
        Assert.Equal(WebhookReasons.WebhookIdMissing, StandardWebhooksSignature.Verify(Body, Headers(("webhook-timestamp", ts), ("webhook-signature", "v1,AA==")), secret, Now, Tolerance).Reason);
        Assert.Equal(WebhookReasons.TimestampMissing, StandardWebhooksSignature.Verify(Body, Headers(("webhook-id", "e"), ("webhook-signature", "v1,AA==")), secret, Now, Tolerance).Reason);
        Assert.Equal(WebhookReasons.TimestampInvalid, StandardWebhooksSignature.Verify(Body, Headers(("webhook-id", "e"), ("webhook-timestamp", "2026-11-24T12:00:00Z"), ("webhook-signature", "v1,AA==")), secret, Now, Tolerance).Reason);
        Assert.Equal(WebhookReasons.TimestampInvalid, StandardWebhooksSignature.Verify(Body, Headers(("webhook-id", "e"), ("webhook-timestamp", "-5"), ("webhook-signature", "v1,AA==")), secret, Now, Tolerance).Reason);
        Assert.Equal(WebhookReasons.SignatureMissing, StandardWebhooksSignature.Verify(Body, Headers(("webhook-id", "e"), ("webhook-timestamp", ts)), secret, Now, Tolerance).Reason);
        Assert.Equal(WebhookReasons.SignatureMismatch, StandardWebhooksSignature.Verify(Body, Headers(("webhook-id", "e"), ("webhook-timestamp", ts), ("webhook-signature", "nonsense")), secret, Now, Tolerance).Reason);
    }

    [Fact]
    public void Reads_the_svix_header_names_too()
    {
        using var secret = WebhookSecret.FromString(StandardSecret, WebhookScheme.StandardWebhooks);
        var ts = Now.ToUnixTimeSeconds();
        var headers = Headers(("svix-id", "evt_9"), ("svix-timestamp", ts.ToString()), ("svix-signature", StandardSignature(StandardKey, "evt_9", ts, Body)));
        Assert.True(StandardWebhooksSignature.Verify(Body, headers, secret, Now, Tolerance).IsValid);
    }

    [Fact]
    public void Refuses_a_whsec_secret_that_is_not_base64_without_quoting_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => WebhookSecret.FromString("whsec_not*base64!", WebhookScheme.StandardWebhooks));
        Assert.DoesNotContain("not*base64!", ex.Message);
        using var secret = WebhookSecret.FromString("whsec_not*base64!", WebhookScheme.OpenMessaging);
        Assert.Equal("WebhookSecret(***)", secret.ToString());
    }
}
