using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Webhooks;

namespace GenesysFileTransfer.Engine.Tests.Webhooks;

/// <summary>
/// Callback bodies and signatures made the way the senders make them, computed here with the framework's HMAC, not
/// with the code under test, so a mistake in the verifier cannot hide itself.
/// </summary>
internal static class WebhookTestKit
{
    public const string OpenSecret = "open-messaging-secret-0123456789";
    public const string IntegrationId = "9a8b7c6d-1111-2222-3333-444455556666";
    public const string ConversationId = "4a4c0e8e-8a5b-4c1e-9d0a-2f1e6c1b7d10";

    /// <summary>A Standard Webhooks secret: whsec_ + base64 of 24 random-looking bytes.</summary>
    public static readonly string StandardSecret = "whsec_" + Convert.ToBase64String(Encoding.ASCII.GetBytes("standard-webhooks-key-24"));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string OpenSignature(byte[] body, string secret = OpenSecret) =>
        "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static string StandardSignature(byte[] key, string id, long timestamp, byte[] body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray()));

    public static byte[] StandardKey => Convert.FromBase64String(StandardSecret["whsec_".Length..]);

    public static WebhookHeaders Headers(params (string Name, string Value)[] headers) =>
        WebhookHeaders.From(headers.Select(h => new KeyValuePair<string, string?>(h.Name, h.Value)));

    public static WebhookHeaders OpenHeaders(byte[] body, string secret = OpenSecret) => Headers(("X-Hub-Signature-256", OpenSignature(body, secret)));

    public static string AttachmentUrl(string mediaId) =>
        $"https://media.example.test/genesys-media/{mediaId}/invoice.pdf?X-Amz-Date=20261124T120000Z&X-Amz-Expires=600&X-Amz-Signature=deadbeefcafe";

    /// <summary>An outbound OpenNormalizedMessage carrying one attachment, as Genesys sends it.</summary>
    public static byte[] AttachmentMessage(string messageId, string mediaId, string fileName = "invoice.pdf", string? sha256 = null, long size = 2048)
    {
        var payload = new
        {
            id = messageId,
            channel = new
            {
                id = IntegrationId,
                platform = "Open",
                type = "Private",
                messageId,
                to = new { id = "customer-1", idType = "Opaque" },
                from = new { id = IntegrationId, idType = "Opaque", nickname = "Agent" },
                time = "2026-11-24T12:00:00.000Z",
            },
            type = "Text",
            content = new[]
            {
                new
                {
                    contentType = "Attachment",
                    attachment = new
                    {
                        id = mediaId,
                        mediaType = "File",
                        url = AttachmentUrl(mediaId),
                        mime = "application/pdf",
                        filename = fileName,
                        sha256 = sha256 ?? new string('a', 64),
                        contentSizeBytes = size,
                    },
                },
            },
            direction = "Outbound",
            metadata = new Dictionary<string, string> { ["conversationId"] = ConversationId },
        };
        return JsonSerializer.SerializeToUtf8Bytes(payload);
    }

    public static byte[] Receipt(string messageId, string status) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        id = messageId,
        channel = new { id = IntegrationId, platform = "Open", type = "Private", time = "2026-11-24T12:00:01.000Z" },
        type = "Receipt",
        status,
        direction = "Outbound",
        isFinalReceipt = status == "Read",
    });
}
