using System;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>One broken rule. The message says what was found and what is allowed; it never quotes file contents.</summary>
    public sealed class ValidationFailure
    {
        public ValidationFailure(string field, string errorCode, string message, object? attemptedValue = null)
        {
            Field = field ?? throw new ArgumentNullException(nameof(field));
            ErrorCode = errorCode ?? throw new ArgumentNullException(nameof(errorCode));
            Message = message ?? throw new ArgumentNullException(nameof(message));
            AttemptedValue = attemptedValue;
        }

        /// <summary>A <see cref="ValidationFields"/> value, e.g. <c>fileName</c> or <c>metadata.accessPolicy.retentionDays</c>.</summary>
        public string Field { get; }

        /// <summary>A <see cref="ValidationErrorCodes"/> value.</summary>
        public string ErrorCode { get; }

        public string Message { get; }

        public object? AttemptedValue { get; }

        public override string ToString() => Field + ": " + Message + " [" + ErrorCode + "]";
    }
}
