using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// The HMAC key callbacks are signed with. It leaves its SecureString only as key bytes inside this object, which
    /// are zeroed on dispose; it is never turned into a string, so it cannot end up in a log, a verbose line or an
    /// exception message.
    /// </summary>
    public sealed class WebhookSecret : IDisposable
    {
        /// <summary>The prefix of a Standard Webhooks secret whose rest is the base64 key.</summary>
        public const string StandardWebhooksPrefix = "whsec_";

        private readonly byte[] _key;
        private int _disposed;

        private WebhookSecret(byte[] key)
        {
            if (key.Length == 0)
            {
                throw new ArgumentException("The webhook secret must not be empty.", nameof(key));
            }

            _key = key;
        }

        /// <summary>The key is a copy of <paramref name="key"/>: the caller may clear its array.</summary>
        public static WebhookSecret FromBytes(byte[] key)
        {
            if (key is null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            return new WebhookSecret((byte[])key.Clone());
        }

        /// <summary>
        /// The key for <paramref name="scheme"/>. Open Messaging signs with the UTF-8 bytes of the integration's
        /// secret token. A Standard Webhooks secret <c>whsec_&lt;base64&gt;</c> is the base64-decoded rest; any other
        /// value is taken as raw UTF-8 key bytes.
        /// </summary>
        public static WebhookSecret FromSecureString(SecureString secret, WebhookScheme scheme)
        {
            if (secret is null)
            {
                throw new ArgumentNullException(nameof(secret));
            }

            char[] chars = new char[secret.Length];
            IntPtr unmanaged = IntPtr.Zero;
            try
            {
                unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secret);
                Marshal.Copy(unmanaged, chars, 0, chars.Length);
                return FromChars(chars, scheme);
            }
            finally
            {
                if (unmanaged != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
                }

                Array.Clear(chars, 0, chars.Length);
            }
        }

        /// <summary>As <see cref="FromSecureString"/>, for hosts that hold the secret as text already (tests, a vault client).</summary>
        public static WebhookSecret FromString(string secret, WebhookScheme scheme)
        {
            if (secret is null)
            {
                throw new ArgumentNullException(nameof(secret));
            }

            char[] chars = secret.ToCharArray();
            try
            {
                return FromChars(chars, scheme);
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }

        private static WebhookSecret FromChars(char[] chars, WebhookScheme scheme)
        {
            if (chars.Length == 0)
            {
                throw new ArgumentException("The webhook secret must not be empty.");
            }

            if (scheme == WebhookScheme.StandardWebhooks && StartsWithPrefix(chars))
            {
                int start = StandardWebhooksPrefix.Length;
                try
                {
                    return new WebhookSecret(Convert.FromBase64CharArray(chars, start, chars.Length - start));
                }
                catch (FormatException)
                {
                    // The message must not quote the value: it is the secret.
                    throw new ArgumentException($"A webhook secret starting with '{StandardWebhooksPrefix}' must continue with base64 (the Standard Webhooks format).");
                }
            }

            return new WebhookSecret(Encoding.UTF8.GetBytes(chars));
        }

        private static bool StartsWithPrefix(char[] chars)
        {
            if (chars.Length <= StandardWebhooksPrefix.Length)
            {
                return false;
            }

            for (int i = 0; i < StandardWebhooksPrefix.Length; i++)
            {
                if (chars[i] != StandardWebhooksPrefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>HMAC-SHA256 of the concatenated parts, without copying them into one buffer.</summary>
        internal byte[] ComputeHmac(params ArraySegment<byte>[] parts)
        {
            if (_disposed != 0)
            {
                throw new ObjectDisposedException(nameof(WebhookSecret));
            }

            // One HMAC object per call: they are not thread-safe, and the listener verifies several callbacks at once.
            using (var hmac = new HMACSHA256(_key))
            {
                foreach (ArraySegment<byte> part in parts)
                {
                    hmac.TransformBlock(part.Array!, part.Offset, part.Count, null, 0);
                }

                hmac.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                return hmac.Hash!;
            }
        }

        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Array.Clear(_key, 0, _key.Length);
            }
        }

        /// <summary>Never the key.</summary>
        public override string ToString() => "WebhookSecret(***)";
    }
}
