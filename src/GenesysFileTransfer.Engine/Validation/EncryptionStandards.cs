using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>The encryption standards an <see cref="AccessPolicy"/> may name.</summary>
    public static class EncryptionStandards
    {
        public const string Aes256 = "AES-256";
        public const string Rsa2048 = "RSA-2048";

        public static IReadOnlyList<string> All { get; } = new ReadOnlyCollection<string>(new[] { Aes256, Rsa2048 });

        /// <summary>The canonical spelling of <paramref name="value"/> (matched case-insensitively), or null.</summary>
        public static string? Normalize(string? value)
        {
            if (value is null)
            {
                return null;
            }

            foreach (string standard in All)
            {
                if (string.Equals(standard, value, StringComparison.OrdinalIgnoreCase))
                {
                    return standard;
                }
            }

            return null;
        }
    }
}
