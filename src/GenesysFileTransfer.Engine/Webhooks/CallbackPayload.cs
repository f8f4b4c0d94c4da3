using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>One attachment announced by a callback, checked and normalised.</summary>
    internal sealed class CallbackAttachment
    {
        public string Id { get; set; } = string.Empty;
        public Uri Url { get; set; } = null!;
        public string FileName { get; set; } = string.Empty;
        public string? Mime { get; set; }
        public string? MediaType { get; set; }
        /// <summary>Lower-case hex, whatever form the sender used; null when absent or not a SHA-256.</summary>
        public string? Sha256 { get; set; }
        public long? ContentSizeBytes { get; set; }
    }

    /// <summary>
    /// The parts of an OpenNormalizedMessage the receiver acts on: ids, receipt status and attachments. Parsed only
    /// after the signature is verified, and completely before anything is written, so a malformed callback changes
    /// nothing.
    /// </summary>
    internal sealed class CallbackPayload
    {
        private const int MaxIdLength = 200;

        public string? MessageId { get; private set; }
        public string? MessageType { get; private set; }
        public string? Direction { get; private set; }
        public string? ChannelId { get; private set; }
        public string? ConversationId { get; private set; }
        public string? ReceiptStatus { get; private set; }
        public List<CallbackAttachment> Attachments { get; } = new List<CallbackAttachment>();

        public bool IsReceipt => ReceiptStatus != null;

        /// <summary>
        /// Open Messaging: the body is the message. Standard Webhooks: the message is the envelope's <c>data</c> object
        /// when there is one (<c>{"type": …, "timestamp": …, "data": {…}}</c>), else the body itself; a payload with no
        /// message fields is still a valid event, with nothing to act on.
        /// </summary>
        public static bool TryParse(byte[] body, WebhookScheme scheme, out CallbackPayload payload, out string error)
        {
            payload = new CallbackPayload();
            error = string.Empty;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException ex)
            {
                error = "The body is not JSON (" + Shorten(ex.Message) + ").";
                return false;
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    error = "The body is not a JSON object.";
                    return false;
                }

                JsonElement message = root;
                if (scheme == WebhookScheme.StandardWebhooks && root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object)
                {
                    message = data;
                }

                return payload.Read(message, scheme == WebhookScheme.OpenMessaging, out error);
            }
        }

        private bool Read(JsonElement message, bool messageIdRequired, out string error)
        {
            if (!TryGetString(message, "id", out string? id, out error))
            {
                return false;
            }

            if (id is null && messageIdRequired)
            {
                error = "The message has no 'id'.";
                return false;
            }

            if (id != null && !IsSafeId(id))
            {
                error = "The message 'id' is empty, too long or holds characters an id never has.";
                return false;
            }

            MessageId = id;
            if (!TryGetString(message, "type", out string? type, out error) || !TryGetString(message, "direction", out string? direction, out error))
            {
                return false;
            }

            MessageType = type;
            Direction = direction;

            if (message.TryGetProperty("channel", out JsonElement channel) && channel.ValueKind == JsonValueKind.Object)
            {
                if (!TryGetString(channel, "id", out string? channelId, out error))
                {
                    return false;
                }

                ChannelId = channelId;
            }

            ConversationId = FindConversationId(message);

            if (string.Equals(type, "Receipt", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryGetString(message, "status", out string? status, out error))
                {
                    return false;
                }

                if (string.IsNullOrWhiteSpace(status) || status!.Length > 64)
                {
                    error = "A receipt needs a 'status' (Sent, Delivered, Read, Failed, …).";
                    return false;
                }

                if (MessageId is null)
                {
                    error = "A receipt needs the 'id' of the message it is about.";
                    return false;
                }

                ReceiptStatus = MessageStatusRanks.Normalize(status.Trim());
            }

            return ReadContent(message, out error);
        }

        private bool ReadContent(JsonElement message, out string error)
        {
            error = string.Empty;
            if (!message.TryGetProperty("content", out JsonElement content) || content.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (content.ValueKind != JsonValueKind.Array)
            {
                error = "'content' is not an array.";
                return false;
            }

            int index = 0;
            foreach (JsonElement item in content.EnumerateArray())
            {
                string where = "content[" + index.ToString(CultureInfo.InvariantCulture) + "]";
                index++;
                if (item.ValueKind != JsonValueKind.Object)
                {
                    error = where + " is not an object.";
                    return false;
                }

                if (!TryGetString(item, "contentType", out string? contentType, out error))
                {
                    return false;
                }

                if (!string.Equals(contentType, "Attachment", StringComparison.OrdinalIgnoreCase))
                {
                    // Quick replies, cards, buttons and the like carry nothing to archive.
                    continue;
                }

                if (!item.TryGetProperty("attachment", out JsonElement attachment) || attachment.ValueKind != JsonValueKind.Object)
                {
                    error = where + " is an Attachment without an 'attachment' object.";
                    return false;
                }

                if (!ReadAttachment(attachment, where + ".attachment", out CallbackAttachment? parsed, out error))
                {
                    return false;
                }

                Attachments.Add(parsed!);
            }

            if (Attachments.Count > 0 && (ChannelId is null || !IsSafeId(ChannelId)))
            {
                // The integration id is part of every attachment's document key.
                error = "A message with attachments needs 'channel.id' (the integration id).";
                return false;
            }

            return true;
        }

        private static bool ReadAttachment(JsonElement attachment, string where, out CallbackAttachment? parsed, out string error)
        {
            parsed = null;
            if (!TryGetString(attachment, "id", out string? id, out error)
                || !TryGetString(attachment, "url", out string? url, out error)
                || !TryGetString(attachment, "filename", out string? fileName, out error)
                || !TryGetString(attachment, "mime", out string? mime, out error)
                || !TryGetString(attachment, "mediaType", out string? mediaType, out error)
                || !TryGetString(attachment, "sha256", out string? sha256, out error))
            {
                return false;
            }

            if (id is null || !IsSafeId(id))
            {
                error = where + " needs an 'id' without '/', '\\', spaces or control characters.";
                return false;
            }

            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                // The URL itself is not quoted: its query is a bearer credential.
                error = where + " needs an absolute http(s) 'url'.";
                return false;
            }

            long? size = null;
            if (attachment.TryGetProperty("contentSizeBytes", out JsonElement sizeElement) && sizeElement.ValueKind != JsonValueKind.Null)
            {
                if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out long value) || value < 0)
                {
                    error = where + ".contentSizeBytes is not a whole number of bytes.";
                    return false;
                }

                size = value;
            }

            parsed = new CallbackAttachment
            {
                Id = id,
                Url = uri,
                FileName = string.IsNullOrWhiteSpace(fileName) ? id : fileName!,
                Mime = string.IsNullOrWhiteSpace(mime) ? null : mime,
                MediaType = mediaType,
                Sha256 = NormalizeSha256(sha256),
                ContentSizeBytes = size,
            };
            return true;
        }

        /// <summary>Root <c>conversationId</c>, else <c>metadata.conversationId</c> (the free-form map Genesys may fill).</summary>
        private static string? FindConversationId(JsonElement message)
        {
            if (message.TryGetProperty("conversationId", out JsonElement direct) && direct.ValueKind == JsonValueKind.String && IsSafeId(direct.GetString()!))
            {
                return direct.GetString();
            }

            if (message.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("conversationId", out JsonElement nested) && nested.ValueKind == JsonValueKind.String && IsSafeId(nested.GetString()!))
            {
                return nested.GetString();
            }

            return null;
        }

        /// <summary>Hex (any case) or base64 of 32 bytes, as lower-case hex; anything else is dropped rather than trusted.</summary>
        internal static string? NormalizeSha256(string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            string text = value!.Trim();
            if (text.Length == 64 && IsHex(text))
            {
                return text.ToLowerInvariant();
            }

            byte[]? bytes = OpenMessagingSignature.DecodeBase64(text);
            if (bytes != null && bytes.Length == 32)
            {
                var hex = new StringBuilder(64);
                foreach (byte b in bytes)
                {
                    hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }

                return hex.ToString();
            }

            return null;
        }

        /// <summary>
        /// Ids become parts of document keys and journal keys: no path separators, whitespace or control characters,
        /// no '.'/'..', and a sane length.
        /// </summary>
        internal static bool IsSafeId(string id)
        {
            if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || id == "." || id == "..")
            {
                return false;
            }

            foreach (char c in id)
            {
                if (c == '/' || c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsHex(string text)
        {
            foreach (char c in text)
            {
                bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!hex)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>A string property, or null when absent or JSON null; any other kind of value is malformed.</summary>
        private static bool TryGetString(JsonElement element, string name, out string? value, out string error)
        {
            value = null;
            error = string.Empty;
            if (!element.TryGetProperty(name, out JsonElement property) || property.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (property.ValueKind != JsonValueKind.String)
            {
                error = $"'{name}' is not a string.";
                return false;
            }

            value = property.GetString();
            return true;
        }

        private static string Shorten(string text) => text.Length <= 160 ? text : text.Substring(0, 160) + "…";
    }
}
