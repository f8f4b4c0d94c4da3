using System;
using System.Runtime.CompilerServices;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// Comparison whose duration does not depend on where two byte strings differ. A plain comparison stops at the
    /// first different byte, so a sender who can time the answers could learn a valid signature byte by byte.
    /// netstandard2.0 has no CryptographicOperations.FixedTimeEquals, hence this one.
    /// </summary>
    public static class ConstantTime
    {
        /// <summary>
        /// True when both spans hold the same bytes. Spans of different lengths are unequal at once: the length of a
        /// MAC is public (32 bytes for HMAC-SHA256), so that early answer reveals nothing secret.
        /// </summary>
        // No inlining and no optimisation, so the JIT cannot turn the loop back into an early-exit comparison.
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
        public static bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
        {
            if (left.Length != right.Length)
            {
                return false;
            }

            int difference = 0;
            for (int i = 0; i < left.Length; i++)
            {
                difference |= left[i] ^ right[i];
            }

            return difference == 0;
        }
    }
}
