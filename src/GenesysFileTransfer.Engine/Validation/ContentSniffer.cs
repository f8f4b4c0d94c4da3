using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>
    /// Compares a file's bytes with its declared content type: signatures for binary formats, strict UTF-8 for text,
    /// and executables are never accepted under another type. Streams the file; never holds it in memory.
    /// </summary>
    public static class ContentSniffer
    {
        public const string Pdf = "application/pdf";
        public const string Png = "image/png";
        public const string Jpeg = "image/jpeg";
        public const string Gif = "image/gif";
        public const string WindowsExecutable = "application/x-msdownload";
        public const string Elf = "application/x-elf";
        public const string Zip = "application/zip";

        internal const int BufferSize = 64 * 1024;

        /// <summary>The DOS header is 64 bytes; an MZ file is only taken for an executable if that header looks binary.</summary>
        private const int DosHeaderLength = 64;

        private static readonly byte[] PdfSignature = { 0x25, 0x50, 0x44, 0x46, 0x2D }; // %PDF-
        private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        private static readonly byte[] JpegSignature = { 0xFF, 0xD8, 0xFF };
        private static readonly byte[] Gif87Signature = { 0x47, 0x49, 0x46, 0x38, 0x37, 0x61 }; // GIF87a
        private static readonly byte[] Gif89Signature = { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }; // GIF89a
        private static readonly byte[] ElfSignature = { 0x7F, 0x45, 0x4C, 0x46 };
        private static readonly byte[] ZipSignature = { 0x50, 0x4B, 0x03, 0x04 };

        /// <summary>Declared types under which an executable is what it claims to be.</summary>
        private static readonly HashSet<string> ExecutableTypes = new HashSet<string>(StringComparer.Ordinal)
        {
            WindowsExecutable,
            "application/vnd.microsoft.portable-executable",
            "application/x-dosexec",
            "application/x-msdos-program",
            "application/x-ms-dos-executable",
            "application/x-executable",
            "application/x-sharedlib",
            "application/x-pie-executable",
            Elf,
        };

        /// <summary>Types whose files always begin with a known signature, with what the message calls it.</summary>
        private static readonly Dictionary<string, string> SignatureNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Pdf] = "the PDF signature \"%PDF-\"",
            [Png] = "the 8-byte PNG signature",
            [Jpeg] = "the JPEG signature FF D8 FF",
            [Gif] = "a GIF signature (\"GIF87a\" or \"GIF89a\")",
        };

        /// <summary>Common non-standard spellings that mean a type with a signature.</summary>
        private static readonly Dictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["image/jpg"] = Jpeg,
            ["image/pjpeg"] = Jpeg,
            ["application/x-pdf"] = Pdf,
        };

        /// <summary>
        /// The type the first <paramref name="count"/> bytes of <paramref name="head"/> identify, or null: PDF, PNG, JPEG,
        /// GIF, Windows executable (MZ), ELF or ZIP.
        /// </summary>
        public static string? DetectFromHeader(byte[] head, int count)
        {
            if (head is null)
            {
                throw new ArgumentNullException(nameof(head));
            }

            if (count < 0 || count > head.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "The count must be between 0 and the buffer's length.");
            }

            if (StartsWith(head, count, PdfSignature))
            {
                return Pdf;
            }

            if (StartsWith(head, count, PngSignature))
            {
                return Png;
            }

            if (StartsWith(head, count, JpegSignature))
            {
                return Jpeg;
            }

            if (StartsWith(head, count, Gif87Signature) || StartsWith(head, count, Gif89Signature))
            {
                return Gif;
            }

            if (IsMzExecutable(head, count))
            {
                return WindowsExecutable;
            }

            if (StartsWith(head, count, ElfSignature))
            {
                return Elf;
            }

            if (StartsWith(head, count, ZipSignature))
            {
                return Zip;
            }

            return null;
        }

        /// <summary>
        /// Whether the file at <paramref name="path"/> is what <paramref name="declaredContentType"/> says. Types with a
        /// signature (PDF, PNG, JPEG, GIF) must start with it; text/* must be UTF-8 without NUL bytes throughout (a BOM is
        /// fine); other types are accepted with whatever was detected; an executable is a mismatch unless declared as one.
        /// </summary>
        /// <exception cref="IOException">The file cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
        public static ContentMatch Check(string path, string declaredContentType, CancellationToken ct = default)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            if (declaredContentType is null)
            {
                throw new ArgumentNullException(nameof(declaredContentType));
            }

            ct.ThrowIfCancellationRequested();
            string declared = MediaTypes.Essence(declaredContentType) ?? string.Empty;
            if (Aliases.TryGetValue(declared, out string? canonical))
            {
                declared = canonical;
            }

            var buffer = new byte[BufferSize];

            // bufferSize 1: the reads are already 64 KB, a second buffer inside FileStream would only copy.
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                int count = Fill(stream, buffer, ct);
                string? detected = DetectFromHeader(buffer, count);

                if ((detected == WindowsExecutable || detected == Elf) && !ExecutableTypes.Contains(declared))
                {
                    string what = detected == Elf ? "a Linux/Unix executable (ELF header)" : "a Windows executable (MZ header)";
                    return new ContentMatch(false, detected, "the file is " + what + " but is declared as " + Quote(declaredContentType) + ".");
                }

                if (SignatureNames.TryGetValue(declared, out string? signatureName))
                {
                    return detected == declared
                        ? new ContentMatch(true, detected, null)
                        : new ContentMatch(
                            false,
                            detected,
                            "the file is declared as " + Quote(declaredContentType) + " but does not start with " + signatureName
                                + LooksLike(detected) + ".");
                }

                if (MediaTypes.IsText(declared))
                {
                    string? problem = FindTextProblem(stream, buffer, count, ct);
                    return problem is null
                        ? new ContentMatch(true, detected, null)
                        : new ContentMatch(false, detected, "the file is declared as " + Quote(declaredContentType) + " but " + problem + LooksLike(detected) + ".");
                }

                return new ContentMatch(true, detected, null);
            }
        }

        /// <summary>
        /// Reads the rest of the file through a throwing UTF-8 decoder. The decoder keeps a sequence that a 64 KB read
        /// cut in two and completes it with the next read, so only the final flush can find a truncated one.
        /// </summary>
        private static string? FindTextProblem(Stream stream, byte[] buffer, int count, CancellationToken ct)
        {
            Decoder decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
            var chars = new char[buffer.Length + 4];
            long offset = 0;
            bool first = true;
            while (count > 0)
            {
                int nul = Array.IndexOf(buffer, (byte)0, 0, count);
                int invalidAt = -1;
                try
                {
                    decoder.GetChars(buffer, 0, count, chars, 0, flush: false);
                }
                catch (DecoderFallbackException ex)
                {
                    // Index is relative to this read and negative when the bad sequence began in the previous one.
                    invalidAt = Math.Max(0, ex.Index);
                }

                if (invalidAt >= 0 && (nul < 0 || invalidAt < nul))
                {
                    if (first && invalidAt == 0 && count >= 2
                        && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)))
                    {
                        return "it is UTF-16 (it starts with a UTF-16 byte-order mark); text must be UTF-8";
                    }

                    return "it is not valid UTF-8 (the first invalid byte is at offset " + Offset(offset + invalidAt) + ")";
                }

                if (nul >= 0)
                {
                    return "it contains a NUL byte at offset " + Offset(offset + nul) + ", which text never does";
                }

                offset += count;
                first = false;
                count = Fill(stream, buffer, ct);
            }

            try
            {
                decoder.GetChars(buffer, 0, 0, chars, 0, flush: true);
            }
            catch (DecoderFallbackException)
            {
                return "it is not valid UTF-8 (it ends in the middle of a multi-byte character)";
            }

            return null;
        }

        /// <summary>Reads until the buffer is full or the file ends, so a short read never looks like a short file.</summary>
        private static int Fill(Stream stream, byte[] buffer, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            int total = 0;
            while (total < buffer.Length)
            {
                int read = stream.Read(buffer, total, buffer.Length - total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        /// <summary>
        /// "MZ" alone is two letters a text file may start with (a CSV of country codes: "MZ,Mozambique"), so the rest
        /// of the DOS header must contain a byte no text has. Real headers are full of zeros; one made entirely of
        /// printable bytes could not describe a loadable program.
        /// </summary>
        private static bool IsMzExecutable(byte[] head, int count)
        {
            if (count < 2 || head[0] != 0x4D || head[1] != 0x5A)
            {
                return false;
            }

            int end = Math.Min(count, DosHeaderLength);
            for (int i = 2; i < end; i++)
            {
                byte b = head[i];
                if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool StartsWith(byte[] head, int count, byte[] signature)
        {
            if (count < signature.Length)
            {
                return false;
            }

            for (int i = 0; i < signature.Length; i++)
            {
                if (head[i] != signature[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static string LooksLike(string? detected) => detected is null ? string.Empty : "; its signature is that of " + detected;

        private static string Quote(string contentType) => "'" + contentType.Trim() + "'";

        private static string Offset(long offset) => offset.ToString(CultureInfo.InvariantCulture);
    }
}
