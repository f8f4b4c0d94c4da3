using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>
    /// Genesys Cloud's attachment name rules, plus rules that keep the name safe to save on the recipient's machine
    /// (Windows in particular). Every broken rule is reported separately.
    /// </summary>
    public static class FileNameRules
    {
        public const int MaxLength = 255;

        /// <summary>Characters Genesys Cloud rejects in attachment names.</summary>
        public const string GenesysForbiddenCharacters = "\\{^}%`]\">[~<#|";

        /// <summary>
        /// Characters that are path or drive separators, or that Windows cannot store in a name: a name holding them
        /// could not be saved as sent (and '*' '?' are PowerShell wildcards).
        /// </summary>
        public const string UnsafeCharacters = "/:*?";

        private static readonly string AllForbidden = GenesysForbiddenCharacters + UnsafeCharacters;

        private static readonly HashSet<string> ReservedDeviceNames = new HashSet<string>(
            new[]
            {
                "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
                "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
            },
            StringComparer.OrdinalIgnoreCase);

        /// <summary>Every rule <paramref name="fileName"/> breaks; empty when it is acceptable. Null counts as empty.</summary>
        public static IReadOnlyList<ValidationFailure> Check(string fileName)
        {
            var failures = new List<ValidationFailure>();
            if (string.IsNullOrEmpty(fileName))
            {
                failures.Add(Fail(ValidationErrorCodes.FileNameEmpty, "The file name is empty; it must have 1 to 255 characters.", fileName));
                return failures.AsReadOnly();
            }

            string name = fileName;
            if (name.Length > MaxLength)
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameTooLong,
                    "The file name has " + name.Length.ToString(CultureInfo.InvariantCulture) + " characters; at most "
                        + MaxLength.ToString(CultureInfo.InvariantCulture) + " are allowed.",
                    name));
            }

            if (name[0] == '.')
            {
                failures.Add(Fail(ValidationErrorCodes.FileNameLeadingDot, "The file name '" + Printable(name) + "' starts with '.', which is not allowed.", name));
            }

            bool trailingSlash = name[name.Length - 1] == '/';
            if (trailingSlash)
            {
                failures.Add(Fail(ValidationErrorCodes.FileNameTrailingSlash, "The file name '" + Printable(name) + "' ends with '/', which is not allowed.", name));
            }

            if (name.Any(char.IsWhiteSpace))
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameWhitespace,
                    "The file name '" + Printable(name) + "' contains whitespace; use '_' or '-' instead of spaces.",
                    name));
            }

            // The trailing '/' already has its own failure; only other occurrences count as forbidden characters.
            string body = trailingSlash ? name.TrimEnd('/') : name;
            List<char> forbidden = body.Where(c => AllForbidden.IndexOf(c) >= 0).Distinct().ToList();
            if (forbidden.Count > 0)
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameForbiddenCharacter,
                    "The file name '" + Printable(name) + "' contains " + string.Join(" ", forbidden.Select(c => c.ToString()))
                        + "; none of " + string.Join(" ", AllForbidden.Select(c => c.ToString())) + " are allowed.",
                    name));
            }

            List<char> controls = name.Where(IsControlOrBidi).Distinct().ToList();
            if (controls.Count > 0)
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameControlCharacter,
                    "The file name '" + Printable(name) + "' contains control or text-direction characters ("
                        + string.Join(", ", controls.Select(CodePoint)) + "), which are not allowed.",
                    name));
            }

            // Other invisible format characters (Unicode Cf): a zero-width space or joiner makes two names that look
            // the same different, and hides what a name really is.
            var invisible = new List<string>();
            for (int i = 0; i < name.Length; i++)
            {
                if (!IsControlOrBidi(name[i]) && CharUnicodeInfo.GetUnicodeCategory(name, i) == UnicodeCategory.Format)
                {
                    string point = "U+" + char.ConvertToUtf32(name, i).ToString("X4", CultureInfo.InvariantCulture);
                    if (!invisible.Contains(point))
                    {
                        invisible.Add(point);
                    }
                }

                if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    i++;
                }
            }

            if (invisible.Count > 0)
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameInvisibleCharacter,
                    "The file name '" + Printable(name) + "' contains invisible format characters (" + string.Join(", ", invisible) + "), which are not allowed.",
                    name));
            }

            string stem = name;
            int dot = stem.IndexOf('.');
            if (dot >= 0)
            {
                stem = stem.Substring(0, dot);
            }

            // Windows ignores trailing spaces before the extension: "NUL .txt" is still the NUL device.
            stem = stem.TrimEnd(' ');
            if (ReservedDeviceNames.Contains(stem))
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameReservedDeviceName,
                    "The file name '" + Printable(name) + "' uses the Windows device name '" + stem.ToUpperInvariant()
                        + "', which cannot be saved as a file (CON, PRN, AUX, NUL, COM1-9 and LPT1-9 are reserved, with any extension).",
                    name));
            }

            char last = name[name.Length - 1];
            if (last == '.' || last == ' ')
            {
                failures.Add(Fail(
                    ValidationErrorCodes.FileNameTrailingDotOrSpace,
                    "The file name '" + Printable(name) + "' ends with " + (last == '.' ? "a dot" : "a space")
                        + "; Windows drops it, so the file would not keep its name.",
                    name));
            }

            return failures.AsReadOnly();
        }

        /// <summary>
        /// C0/C1 controls, and the invisible marks that reorder text: "invoice&#x202E;fdp.exe" displays as "invoiceexe.pdf".
        /// </summary>
        private static bool IsControlOrBidi(char c) =>
            char.IsControl(c)
            || c == '\u200E' || c == '\u200F' || c == '\u061C'
            || (c >= '\u202A' && c <= '\u202E')
            || (c >= '\u2066' && c <= '\u2069');

        private static bool IsInvisible(char c) => IsControlOrBidi(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;

        private static string CodePoint(char c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);

        /// <summary>The name as it can be shown in a message: invisible characters become U+XXXX.</summary>
        private static string Printable(string name)
        {
            if (!name.Any(IsInvisible))
            {
                return name;
            }

            return string.Concat(name.Select(c => IsInvisible(c) ? "<" + CodePoint(c) + ">" : c.ToString()));
        }

        private static ValidationFailure Fail(string code, string message, string? name) =>
            new ValidationFailure(ValidationFields.FileName, code, message, name);
    }
}
