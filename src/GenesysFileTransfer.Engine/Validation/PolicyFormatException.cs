using System;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>An upload policy document that cannot be used; the message names the field and where the policy came from.</summary>
    public sealed class PolicyFormatException : FormatException
    {
        public PolicyFormatException(string message, string? field, string policySource, Exception? innerException = null)
            : base(message, innerException)
        {
            Field = field;
            PolicySource = policySource;
        }

        /// <summary>The offending JSON field, e.g. "allowedContentTypes[2]"; null when the document as a whole is bad.</summary>
        public string? Field { get; }

        /// <summary>Where the policy came from (named so because <see cref="Exception.Source"/> means something else).</summary>
        public string PolicySource { get; }
    }
}
