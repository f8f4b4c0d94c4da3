using System;
using System.Runtime.InteropServices;
using System.Security;

namespace GenesysFileTransfer.Engine.Secrets
{
    /// <summary>
    /// A secret as plain text, for the one boundary that needs it (an SDK's credential object, an HTTP header): the
    /// unmanaged copy is zeroed at once, and the caller keeps the string no longer than that call.
    /// </summary>
    internal static class SecretText
    {
        public static string Plain(SecureString secret)
        {
            if (secret is null)
            {
                throw new ArgumentNullException(nameof(secret));
            }

            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }
    }
}
