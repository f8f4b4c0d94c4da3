using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// Turns a document key and a file name (both possibly from the network) into a relative path that is the same
    /// every time, is safe on Windows, Linux, macOS, SMB shares and S3, and can never leave the sink's root. A name
    /// that had to be changed gets a short hash of the original appended, so two different unsafe names never end up
    /// as the same path (which would make two documents look like one).
    /// </summary>
    public static class DocumentPaths
    {
        /// <summary>Appended to a document's stored name for its metadata sidecar.</summary>
        public const string SidecarSuffix = ".metadata.json";

        /// <summary>
        /// At most this many UTF-8 bytes per name: Linux and most file systems allow 255, and the sidecar suffix and a
        /// temporary-file prefix and suffix (about 55 bytes) must still fit.
        /// </summary>
        public const int MaxNameBytes = 150;

        private const string Fallback = "document";
        private const string UnsafeCharacters = "<>:\"/\\|?*#%{}^~[]`";

        private static readonly HashSet<string> ReservedDeviceNames = new HashSet<string>(
            new[]
            {
                "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
                "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
                "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
            },
            StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// The document's relative path with '/' separators: each key segment made safe, then the safe file name,
        /// e.g. <c>transfer/2ff7da99-…/invoice.pdf</c>.
        /// </summary>
        public static string RelativePath(string documentKey, string fileName)
            => RelativeDirectory(documentKey) + "/" + SafeFileName(fileName);

        /// <summary>The key's folder: its '/'-separated segments, each made safe (empty segments are dropped).</summary>
        public static string RelativeDirectory(string documentKey)
        {
            if (string.IsNullOrWhiteSpace(documentKey))
            {
                throw new ArgumentException("The document key must not be empty.", nameof(documentKey));
            }

            var segments = new List<string>();
            foreach (string raw in documentKey.Split('/', '\\'))
            {
                if (raw.Length == 0)
                {
                    continue;
                }

                segments.Add(SafeName(raw, keepExtension: false));
            }

            if (segments.Count == 0)
            {
                throw new ArgumentException($"The document key '{documentKey}' has no usable segment.", nameof(documentKey));
            }

            return string.Join("/", segments);
        }

        /// <summary>The file name made safe, keeping its extension where possible.</summary>
        public static string SafeFileName(string fileName) => SafeName(fileName ?? string.Empty, keepExtension: true);

        private static string SafeName(string original, bool keepExtension)
        {
            var builder = new StringBuilder(original.Length);
            for (int i = 0; i < original.Length; i++)
            {
                char c = original[i];
                if (char.IsHighSurrogate(c) && i + 1 < original.Length && char.IsLowSurrogate(original[i + 1]))
                {
                    builder.Append(c).Append(original[++i]);
                }
                else
                {
                    // A lone surrogate cannot be written as UTF-8 and would turn into a different name on disk.
                    builder.Append(IsUnsafe(c) || char.IsSurrogate(c) ? '_' : c);
                }
            }

            string name = builder.ToString().Trim();

            // A leading dot hides a file on Unix and makes "." and ".." path traversal; a trailing dot or space is
            // silently dropped by Windows, so the stored name would differ from the one recorded.
            if (name.StartsWith(".", StringComparison.Ordinal))
            {
                name = "_" + name.Substring(1);
            }

            name = name.TrimEnd('.', ' ');
            if (name.Length == 0)
            {
                name = Fallback;
            }

            string stem = name;
            string extension = string.Empty;
            int dot = name.LastIndexOf('.');
            if (keepExtension && dot > 0 && name.Length - dot <= 16)
            {
                stem = name.Substring(0, dot);
                extension = name.Substring(dot);
            }

            // CON, NUL.txt, COM1.tar.gz: Windows treats the part before the first dot as a device.
            int firstDot = stem.IndexOf('.');
            string deviceProbe = (firstDot < 0 ? stem : stem.Substring(0, firstDot)).TrimEnd(' ');
            if (ReservedDeviceNames.Contains(deviceProbe))
            {
                stem = "_" + stem;
            }

            bool changed = !string.Equals(stem + extension, original, StringComparison.Ordinal);
            string hash = changed ? "~" + ShortHash(original) : string.Empty;
            int budget = MaxNameBytes - Encoding.UTF8.GetByteCount(extension) - hash.Length;
            if (Encoding.UTF8.GetByteCount(stem) > budget)
            {
                stem = TruncateUtf8(stem, budget - 9);
                hash = "~" + ShortHash(original);
            }

            return stem + hash + extension;
        }

        private static bool IsUnsafe(char c)
        {
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
            {
                return true;
            }

            if (UnsafeCharacters.IndexOf(c) >= 0)
            {
                return true;
            }

            // Invisible and text-direction marks make a name display as something else (invoice<RLO>fdp.exe).
            return (c >= '\u200B' && c <= '\u200F') || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
                || c == '\uFEFF';
        }

        private static string TruncateUtf8(string text, int maxBytes)
        {
            var builder = new StringBuilder();
            int bytes = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                int size = Encoding.UTF8.GetByteCount(text.Substring(i, length));
                if (bytes + size > maxBytes)
                {
                    break;
                }

                builder.Append(text, i, length);
                bytes += size;
                i += length - 1;
            }

            return builder.ToString();
        }

        private static string ShortHash(string text)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
                var builder = new StringBuilder(8);
                for (int i = 0; i < 4; i++)
                {
                    builder.Append(digest[i].ToString("x2", CultureInfo.InvariantCulture));
                }

                return builder.ToString();
            }
        }
    }
}
