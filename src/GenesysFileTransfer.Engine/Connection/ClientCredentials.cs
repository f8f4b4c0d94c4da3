using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

using GenesysFileTransfer.Engine.Secrets;

namespace GenesysFileTransfer.Engine.Connection
{
    /// <summary>
    /// An OAuth client id and its secret. The secret stays a SecureString and is turned into bytes only to build
    /// the Basic header of a token request.
    /// </summary>
    public sealed class ClientCredentials
    {
        public ClientCredentials(string clientId, SecureString clientSecret)
        {
            if (string.IsNullOrWhiteSpace(clientId))
            {
                throw new ArgumentException("The OAuth client id must not be empty.", nameof(clientId));
            }

            if (clientSecret is null || clientSecret.Length == 0)
            {
                throw new ArgumentException("The OAuth client secret must not be empty.", nameof(clientSecret));
            }

            ClientId = clientId.Trim();
            Secret = clientSecret.Copy();
            Secret.MakeReadOnly();
        }

        public string ClientId { get; }

        internal SecureString Secret { get; }

        /// <summary>base64(clientId:secret). ISO-8859-1 like the official .NET SDK, so non-ASCII secrets match.</summary>
        internal string ToBasicParameter()
        {
            string secret = SecretText.Plain(Secret);
            return Convert.ToBase64String(Encoding.GetEncoding("ISO-8859-1").GetBytes(ClientId + ":" + secret));
        }

        /// <summary>The UTF-8 bytes of a secret (an audit key), for keying a MAC; the unmanaged copy is zeroed.</summary>
        public static byte[] ToUtf8Bytes(SecureString value)
        {
            return Encoding.UTF8.GetBytes(SecretText.Plain(value));
        }

        public static SecureString ToSecureString(string value)
        {
            var secure = new SecureString();
            foreach (char c in value ?? string.Empty)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }
    }
}
