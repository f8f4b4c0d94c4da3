using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>The outcome of the local checks on one file: every failing rule, not only the first.</summary>
    public sealed class FileValidationReport
    {
        public const string ValidSummary = "valid";

        public FileValidationReport(
            string path,
            string fileName,
            long length,
            string? contentType,
            string? detectedContentType,
            IEnumerable<ValidationFailure> failures)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            FileName = fileName ?? throw new ArgumentNullException(nameof(fileName));
            Length = length;
            ContentType = contentType;
            DetectedContentType = detectedContentType;
            if (failures is null)
            {
                throw new ArgumentNullException(nameof(failures));
            }

            Failures = new ReadOnlyCollection<ValidationFailure>(failures.ToList());
            Summary = Failures.Count == 0
                ? ValidSummary
                : string.Join("; ", Failures.Select(f => f.Field + ": " + f.Message));
        }

        public string Path { get; }

        public string FileName { get; }

        /// <summary>Size in bytes; -1 when there is no file at <see cref="Path"/>.</summary>
        public long Length { get; }

        /// <summary>The effective declared type: the one the caller gave, else the one the extension implies.</summary>
        public string? ContentType { get; }

        /// <summary>What the file's first bytes say it is; null when no known signature matched.</summary>
        public string? DetectedContentType { get; }

        public bool IsValid => Failures.Count == 0;

        public IReadOnlyList<ValidationFailure> Failures { get; }

        /// <summary>One <c>field: message</c> part per failure joined with "; ", or "valid".</summary>
        public string Summary { get; }

        public override string ToString() => FileName + ": " + Summary;
    }
}
