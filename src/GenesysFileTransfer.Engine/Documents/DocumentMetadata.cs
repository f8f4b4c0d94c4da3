using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// What the document-management store keeps beside a document: where it came from, the ids that tie it to the
    /// conversation, its access policy and retention. Written as the folder sink's <c>.metadata.json</c> sidecar and
    /// as S3 object metadata. Never holds a URL query (an attachment URL's query is its signature).
    /// </summary>
    public sealed class DocumentMetadata
    {
        /// <summary>The sidecar format version, so readers can tell a later layout from this one.</summary>
        public const int FormatVersion = 1;

        public string DocumentKey { get; set; } = string.Empty;

        /// <summary>"transfer" (a file this module sent) or "attachment" (announced by a callback).</summary>
        public string SourceKind { get; set; } = string.Empty;

        /// <summary>A local path, or the attachment URL without its query and fragment.</summary>
        public string? Source { get; set; }

        public string FileName { get; set; } = string.Empty;

        /// <summary>The name the file had on disk when it was sent under another name (-FileName); null when the same.</summary>
        public string? OriginalFileName { get; set; }
        public string? ContentType { get; set; }
        public string Sha256 { get; set; } = string.Empty;
        public long Length { get; set; }
        public Guid? TransferId { get; set; }
        public string? ConversationId { get; set; }
        public string? MessageId { get; set; }
        public string? AttachmentId { get; set; }
        public string? StorageBucketReference { get; set; }
        public int? RetentionDays { get; set; }
        public string? EncryptionStandard { get; set; }
        public bool? DownloadAllowed { get; set; }
        public bool? VirusScanEnabled { get; set; }
        public DateTimeOffset EnqueuedAt { get; set; }
        public DateTimeOffset ArchivedAt { get; set; }

        /// <summary>When the retention ends: counted from when the document was received (enqueued).</summary>
        public DateTimeOffset? RetainUntil => RetentionDays is int days ? EnqueuedAt.AddDays(days) : (DateTimeOffset?)null;

        /// <summary>
        /// The metadata of an outbox item. The item's metadata JSON (the transfer's bucket reference, access policy
        /// and virus-scan flag) is read case-insensitively; fields it lacks stay empty, and a malformed one is ignored
        /// rather than blocking the archive.
        /// </summary>
        public static DocumentMetadata FromOutboxItem(OutboxItem item, string sha256, long length, DateTimeOffset archivedAt)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }

            var metadata = new DocumentMetadata
            {
                DocumentKey = item.DocumentKey,
                SourceKind = item.Kind,
                Source = SafeSource(item.Source),
                FileName = item.FileName,
                ContentType = item.ContentType,
                Sha256 = sha256,
                Length = length,
                TransferId = item.TransferId,
                ConversationId = item.ConversationId,
                MessageId = item.MessageId,
                AttachmentId = item.AttachmentId,
                EnqueuedAt = item.EnqueuedAt,
                ArchivedAt = archivedAt,
            };
            metadata.ReadTransferMetadata(item.MetadataJson);
            bool localSource = !string.IsNullOrEmpty(item.Source) && (!Uri.TryCreate(item.Source, UriKind.Absolute, out Uri? source) || source.IsFile);
            if (item.Kind == "transfer" && localSource)
            {
                string onDisk = System.IO.Path.GetFileName(item.Source!);
                metadata.OriginalFileName = string.IsNullOrEmpty(onDisk) || string.Equals(onDisk, item.FileName, StringComparison.Ordinal) ? null : onDisk;
            }

            return metadata;
        }

        /// <summary>The source as it may be recorded: URLs lose their query and fragment, paths stay as they are.</summary>
        public static string? SafeSource(string? source)
        {
            if (string.IsNullOrEmpty(source))
            {
                return null;
            }

            if (Uri.TryCreate(source, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return Redaction.StripQuery(uri);
            }

            return Redaction.Scrub(source);
        }

        /// <summary>The sidecar document: UTF-8 JSON, camelCase, fields in a fixed order, empty ones left out.</summary>
        public byte[] ToSidecarJson()
        {
            using (var buffer = new MemoryStream())
            {
                using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    json.WriteStartObject();
                    json.WriteNumber("formatVersion", FormatVersion);
                    json.WriteString("documentKey", DocumentKey);
                    json.WriteString("fileName", FileName);
                    WriteOptional(json, "originalFileName", OriginalFileName);
                    WriteOptional(json, "contentType", ContentType);
                    json.WriteNumber("length", Length);
                    json.WriteString("sha256", Sha256);
                    json.WriteString("sourceKind", SourceKind);
                    WriteOptional(json, "source", Source);
                    WriteOptional(json, "transferId", TransferId?.ToString());
                    WriteOptional(json, "conversationId", ConversationId);
                    WriteOptional(json, "messageId", MessageId);
                    WriteOptional(json, "attachmentId", AttachmentId);
                    WriteOptional(json, "storageBucketReference", StorageBucketReference);
                    if (RetentionDays.HasValue || EncryptionStandard != null || DownloadAllowed.HasValue)
                    {
                        json.WriteStartObject("accessPolicy");
                        if (RetentionDays is int days)
                        {
                            json.WriteNumber("retentionDays", days);
                        }

                        WriteOptional(json, "encryptionStandard", EncryptionStandard);
                        if (DownloadAllowed is bool download)
                        {
                            json.WriteBoolean("downloadAllowed", download);
                        }

                        json.WriteEndObject();
                    }

                    if (RetainUntil is DateTimeOffset until)
                    {
                        json.WriteString("retainUntil", Iso(until));
                    }

                    if (VirusScanEnabled is bool scan)
                    {
                        json.WriteBoolean("virusScanEnabled", scan);
                    }

                    json.WriteString("enqueuedAt", Iso(EnqueuedAt));
                    json.WriteString("archivedAt", Iso(ArchivedAt));
                    json.WriteEndObject();
                }

                buffer.WriteByte((byte)'\n');
                return buffer.ToArray();
            }
        }

        /// <summary>Reads a sidecar back; null when it is not one (damaged, or not JSON).</summary>
        public static DocumentMetadata? FromSidecarJson(byte[] json)
        {
            try
            {
                using (JsonDocument document = JsonDocument.Parse(json))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("sha256", out JsonElement sha) || sha.ValueKind != JsonValueKind.String)
                    {
                        return null;
                    }

                    var metadata = new DocumentMetadata
                    {
                        DocumentKey = GetString(root, "documentKey") ?? string.Empty,
                        FileName = GetString(root, "fileName") ?? string.Empty,
                        ContentType = GetString(root, "contentType"),
                        Sha256 = sha.GetString()!.ToLowerInvariant(),
                        SourceKind = GetString(root, "sourceKind") ?? string.Empty,
                        Source = GetString(root, "source"),
                        ConversationId = GetString(root, "conversationId"),
                        MessageId = GetString(root, "messageId"),
                        AttachmentId = GetString(root, "attachmentId"),
                        StorageBucketReference = GetString(root, "storageBucketReference"),
                    };
                    if (root.TryGetProperty("length", out JsonElement length) && length.TryGetInt64(out long bytes))
                    {
                        metadata.Length = bytes;
                    }

                    if (Guid.TryParse(GetString(root, "transferId"), out Guid transferId))
                    {
                        metadata.TransferId = transferId;
                    }

                    if (DateTimeOffset.TryParse(GetString(root, "enqueuedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset enqueued))
                    {
                        metadata.EnqueuedAt = enqueued;
                    }

                    if (DateTimeOffset.TryParse(GetString(root, "archivedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset archived))
                    {
                        metadata.ArchivedAt = archived;
                    }

                    return metadata;
                }
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>
        /// The fields as S3 user metadata (sent as <c>x-amz-meta-&lt;name&gt;</c>). S3 carries metadata in HTTP
        /// headers, which allow only printable ASCII, so every value is percent-encoded where it needs to be.
        /// </summary>
        public IReadOnlyDictionary<string, string> ToObjectMetadata()
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["document-key"] = DocumentKey,
                ["file-name"] = FileName,
                ["sha256"] = Sha256,
                ["source-kind"] = SourceKind,
                ["enqueued-at"] = Iso(EnqueuedAt),
                ["archived-at"] = Iso(ArchivedAt),
            };
            AddOptional(values, "source", Source);
            AddOptional(values, "original-file-name", OriginalFileName);
            AddOptional(values, "transfer-id", TransferId?.ToString());
            AddOptional(values, "conversation-id", ConversationId);
            AddOptional(values, "message-id", MessageId);
            AddOptional(values, "attachment-id", AttachmentId);
            AddOptional(values, "storage-bucket-reference", StorageBucketReference);
            AddOptional(values, "retention-days", RetentionDays?.ToString(CultureInfo.InvariantCulture));
            AddOptional(values, "retain-until", RetainUntil is DateTimeOffset until ? Iso(until) : null);
            AddOptional(values, "encryption-standard", EncryptionStandard);
            AddOptional(values, "download-allowed", DownloadAllowed is bool download ? (download ? "true" : "false") : null);
            AddOptional(values, "virus-scan-enabled", VirusScanEnabled is bool scan ? (scan ? "true" : "false") : null);

            var encoded = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> pair in values)
            {
                encoded[pair.Key] = HeaderSafe(pair.Value);
            }

            return encoded;
        }

        /// <summary>Percent-encodes what an HTTP header cannot carry as it is (non-ASCII, controls) and '%' itself.</summary>
        public static string HeaderSafe(string value)
        {
            var builder = new StringBuilder(value.Length);
            byte[] utf8 = Encoding.UTF8.GetBytes(value);
            foreach (byte b in utf8)
            {
                if (b < 0x20 || b >= 0x7F || b == (byte)'%')
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.Append((char)b);
                }
            }

            return builder.ToString();
        }

        private void ReadTransferMetadata(string? json)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                return;
            }

            try
            {
                using (JsonDocument document = JsonDocument.Parse(json!))
                {
                    JsonElement root = document.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        return;
                    }

                    StorageBucketReference = GetString(root, "storageBucketReference");
                    VirusScanEnabled = GetBoolean(root, "virusScanEnabled");
                    JsonElement policy = Find(root, "accessPolicy");
                    if (policy.ValueKind != JsonValueKind.Object)
                    {
                        // Flat metadata (a callback's defaults, say) names the policy fields at the top level.
                        policy = root;
                    }

                    JsonElement days = Find(policy, "retentionDays");
                    if (days.ValueKind == JsonValueKind.Number && days.TryGetInt32(out int retention))
                    {
                        RetentionDays = retention;
                    }

                    EncryptionStandard = GetString(policy, "encryptionStandard");
                    DownloadAllowed = GetBoolean(policy, "downloadAllowed");
                }
            }
            catch (JsonException)
            {
                // The metadata is descriptive; a damaged value must not keep the document itself out of the archive.
            }
        }

        private static JsonElement Find(JsonElement element, string name)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value;
                }
            }

            return default;
        }

        private static string? GetString(JsonElement element, string name)
        {
            JsonElement value = Find(element, name);
            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        private static bool? GetBoolean(JsonElement element, string name)
        {
            JsonElement value = Find(element, name);
            return value.ValueKind == JsonValueKind.True ? true : value.ValueKind == JsonValueKind.False ? false : (bool?)null;
        }

        private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                json.WriteString(name, value);
            }
        }

        private static void AddOptional(Dictionary<string, string> values, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                values[name] = value!;
            }
        }

        private static string Iso(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }
}
