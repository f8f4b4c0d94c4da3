using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>
    /// Which content types may be sent and how large a file may be. Immutable; comes from the built-in default, a JSON
    /// file, or the deployment's supported-content profile.
    /// </summary>
    public sealed class FileUploadPolicy
    {
        /// <summary>25 MB: Genesys Cloud rejects larger messaging attachments, so no policy may allow more.</summary>
        public const long GenesysPlatformMaxBytes = 26_214_400;

        public const string DefaultSource = "default";

        private const string AllowedContentTypesField = "allowedContentTypes";
        private const string MaxFileSizeBytesField = "maxFileSizeBytes";
        private const string MaxFileSizeKbField = "maxFileSizeKB";

        public FileUploadPolicy(IEnumerable<string> allowedContentTypes, long maxFileSizeBytes, string source)
        {
            if (allowedContentTypes is null)
            {
                throw new ArgumentNullException(nameof(allowedContentTypes));
            }

            if (maxFileSizeBytes <= 0 || maxFileSizeBytes > GenesysPlatformMaxBytes)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(maxFileSizeBytes),
                    maxFileSizeBytes,
                    "The maximum file size must be between 1 and " + GenesysPlatformMaxBytes.ToString(CultureInfo.InvariantCulture)
                        + " bytes (Genesys Cloud's limit).");
            }

            if (string.IsNullOrWhiteSpace(source))
            {
                throw new ArgumentException("The policy source must name where the policy came from.", nameof(source));
            }

            var types = new List<string>();
            foreach (string? entry in allowedContentTypes)
            {
                string? essence = MediaTypes.Essence(entry);
                if (essence is null || !MediaTypes.IsRange(essence))
                {
                    throw new ArgumentException(
                        "'" + entry + "' is not a content type; expected 'type/subtype', 'type/*' or '*/*'.",
                        nameof(allowedContentTypes));
                }

                if (!types.Contains(essence))
                {
                    types.Add(essence);
                }
            }

            AllowedContentTypes = new ReadOnlyCollection<string>(types);
            MaxFileSizeBytes = maxFileSizeBytes;
            Source = source;
        }

        /// <summary>PDF, PNG, JPEG and plain text up to 25 MB.</summary>
        public static FileUploadPolicy Default { get; } = new FileUploadPolicy(
            new[] { "application/pdf", "image/png", "image/jpeg", "text/plain" },
            GenesysPlatformMaxBytes,
            DefaultSource);

        /// <summary>Lower-case, without parameters, without duplicates; may hold "type/*" and "*/*".</summary>
        public IReadOnlyList<string> AllowedContentTypes { get; }

        public long MaxFileSizeBytes { get; }

        /// <summary>Where the policy came from: "default", a file path, "supportedContent:&lt;id&gt;", ...</summary>
        public string Source { get; }

        /// <summary>
        /// Whether <paramref name="contentType"/> is on the allowlist: case-insensitive, parameters ignored, wildcards in
        /// the allowlist honoured. A declared type that is itself a wildcard or malformed is never allowed.
        /// </summary>
        public bool Allows(string contentType)
        {
            string? essence = MediaTypes.Essence(contentType);
            if (essence is null || !MediaTypes.IsConcrete(essence))
            {
                return false;
            }

            return AllowedContentTypes.Any(range => MediaTypes.RangeMatches(range, essence));
        }

        /// <summary>
        /// Reads <c>{"allowedContentTypes":[...],"maxFileSizeBytes":N}</c>, or <c>"maxFileSizeKB":N</c> instead of the
        /// byte count. Without a size the platform maximum applies. Unknown fields are rejected so that a misspelt limit
        /// does not silently fall back to 25 MB.
        /// </summary>
        /// <exception cref="PolicyFormatException">The document is not valid JSON or a field is missing or wrong.</exception>
        public static FileUploadPolicy FromJson(string json, string source)
        {
            if (json is null)
            {
                throw new ArgumentNullException(nameof(json));
            }

            if (string.IsNullOrWhiteSpace(source))
            {
                throw new ArgumentException("The policy source must name where the policy came from.", nameof(source));
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(
                    json,
                    new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            }
            catch (JsonException ex)
            {
                throw Bad(source, null, "is not valid JSON: " + ex.Message, ex);
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Bad(source, null, "must be a JSON object with '" + AllowedContentTypesField + "', found " + Describe(root) + ".");
                }

                JsonElement? typesElement = null;
                JsonElement? bytesElement = null;
                JsonElement? kbElement = null;
                foreach (JsonProperty property in root.EnumerateObject())
                {
                    if (Is(property, AllowedContentTypesField))
                    {
                        typesElement = property.Value;
                    }
                    else if (Is(property, MaxFileSizeBytesField))
                    {
                        bytesElement = property.Value;
                    }
                    else if (Is(property, MaxFileSizeKbField))
                    {
                        kbElement = property.Value;
                    }
                    else if (!Is(property, "$schema"))
                    {
                        throw Bad(
                            source,
                            property.Name,
                            "has an unknown field '" + property.Name + "'; the known fields are '" + AllowedContentTypesField
                                + "', '" + MaxFileSizeBytesField + "' and '" + MaxFileSizeKbField + "'.");
                    }
                }

                List<string> types = ReadContentTypes(typesElement, source);
                long maxBytes = ReadMaxBytes(bytesElement, kbElement, source);
                return new FileUploadPolicy(types, maxBytes, source);
            }
        }

        /// <summary>Reads a policy from a JSON file (see <see cref="FromJson"/>); the source is the file's full path.</summary>
        public static FileUploadPolicy Load(string path)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            string fullPath = Path.GetFullPath(path);
            return FromJson(File.ReadAllText(fullPath, Encoding.UTF8), fullPath);
        }

        /// <summary>The document <see cref="FromJson"/> reads; the source is not part of it.</summary>
        public string ToJson()
        {
            using (var buffer = new MemoryStream())
            {
                // The relaxed encoder keeps "image/svg+xml" readable; the text is never embedded in HTML.
                var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
                using (var writer = new Utf8JsonWriter(buffer, options))
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray(AllowedContentTypesField);
                    foreach (string type in AllowedContentTypes)
                    {
                        writer.WriteStringValue(type);
                    }

                    writer.WriteEndArray();
                    writer.WriteNumber(MaxFileSizeBytesField, MaxFileSizeBytes);
                    writer.WriteEndObject();
                }

                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        /// <summary>
        /// A policy from a deployment's supported-content profile: its outbound types, and the given size limit, which
        /// defaults to and is capped at <see cref="GenesysPlatformMaxBytes"/>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxFileSizeBytes"/> is zero or negative.</exception>
        /// <exception cref="ArgumentException">An outbound type is not a content type or wildcard.</exception>
        public static FileUploadPolicy FromSupportedContent(IEnumerable<string> outboundTypes, long? maxFileSizeBytes, string source)
        {
            if (outboundTypes is null)
            {
                throw new ArgumentNullException(nameof(outboundTypes));
            }

            if (maxFileSizeBytes <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxFileSizeBytes), maxFileSizeBytes, "The maximum file size must be positive.");
            }

            long max = Math.Min(maxFileSizeBytes ?? GenesysPlatformMaxBytes, GenesysPlatformMaxBytes);
            return new FileUploadPolicy(outboundTypes, max, source);
        }

        public override string ToString() =>
            Source + ": " + string.Join(", ", AllowedContentTypes) + " up to " + MediaTypes.FormatBytes(MaxFileSizeBytes);

        private static List<string> ReadContentTypes(JsonElement? element, string source)
        {
            if (element is null)
            {
                throw Bad(source, AllowedContentTypesField, "has no '" + AllowedContentTypesField + "' field; it must list the content types that may be sent.");
            }

            JsonElement array = element.Value;
            if (array.ValueKind != JsonValueKind.Array)
            {
                throw Bad(source, AllowedContentTypesField, "field '" + AllowedContentTypesField + "' must be an array of content types, found " + Describe(array) + ".");
            }

            var types = new List<string>();
            int index = 0;
            foreach (JsonElement item in array.EnumerateArray())
            {
                string field = AllowedContentTypesField + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw Bad(source, field, "field '" + field + "' must be a string such as \"application/pdf\", found " + Describe(item) + ".");
                }

                string value = item.GetString() ?? string.Empty;
                string? essence = MediaTypes.Essence(value);
                if (essence is null || !MediaTypes.IsRange(essence))
                {
                    throw Bad(source, field, "field '" + field + "' is '" + value + "', which is not a content type; expected 'type/subtype', 'type/*' or '*/*'.");
                }

                types.Add(value);
                index++;
            }

            if (types.Count == 0)
            {
                throw Bad(source, AllowedContentTypesField, "field '" + AllowedContentTypesField + "' is empty; a policy that allows nothing is almost certainly a mistake.");
            }

            return types;
        }

        private static long ReadMaxBytes(JsonElement? bytesElement, JsonElement? kbElement, string source)
        {
            if (bytesElement != null && kbElement != null)
            {
                throw Bad(source, MaxFileSizeKbField, "sets both '" + MaxFileSizeBytesField + "' and '" + MaxFileSizeKbField + "'; set only one.");
            }

            if (bytesElement is null && kbElement is null)
            {
                return GenesysPlatformMaxBytes;
            }

            bool inKb = kbElement != null;
            string field = inKb ? MaxFileSizeKbField : MaxFileSizeBytesField;
            JsonElement element = (inKb ? kbElement : bytesElement)!.Value;
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value))
            {
                throw Bad(source, field, "field '" + field + "' must be a whole number, found " + Describe(element) + ".");
            }

            long platformMaxInUnit = inKb ? GenesysPlatformMaxBytes / 1024 : GenesysPlatformMaxBytes;
            if (value <= 0 || value > platformMaxInUnit)
            {
                throw Bad(
                    source,
                    field,
                    "field '" + field + "' is " + value.ToString(CultureInfo.InvariantCulture) + "; it must be between 1 and "
                        + platformMaxInUnit.ToString(CultureInfo.InvariantCulture) + " (Genesys Cloud's limit of "
                        + MediaTypes.FormatMegabytes(GenesysPlatformMaxBytes) + ").");
            }

            return inKb ? value * 1024 : value;
        }

        private static bool Is(JsonProperty property, string name) =>
            string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase);

        private static string Describe(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object: return "an object";
                case JsonValueKind.Array: return "an array";
                case JsonValueKind.Null: return "null";
                case JsonValueKind.True:
                case JsonValueKind.False: return "a boolean";
                case JsonValueKind.String:
                    string text = element.GetString() ?? string.Empty;
                    return "the string \"" + (text.Length > 40 ? text.Substring(0, 40) + "..." : text) + "\"";
                default:
                    string raw = element.GetRawText();
                    return raw.Length > 40 ? raw.Substring(0, 40) + "..." : raw;
            }
        }

        private static PolicyFormatException Bad(string source, string? field, string problem, Exception? inner = null) =>
            new PolicyFormatException("Upload policy '" + source + "' " + problem, field, source, inner);
    }
}
