using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using FluentValidation;
using FluentValidation.Results;
using FvFailure = FluentValidation.Results.ValidationFailure;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>
    /// Everything checked before a request is sent: the file exists and is readable, its name, size and content type
    /// are acceptable to Genesys Cloud and the policy, its bytes match its type, and its metadata is complete.
    /// Every failing field is reported, not only the first.
    /// </summary>
    public sealed class FileTransferValidator
    {
        private readonly FileUploadPolicy _policy;
        private readonly FileFactsRules _rules;

        public FileTransferValidator(FileUploadPolicy policy, bool requireMetadata = true)
        {
            _policy = policy ?? throw new ArgumentNullException(nameof(policy));
            _rules = new FileFactsRules(policy, requireMetadata);
        }

        public FileUploadPolicy Policy => _policy;

        /// <summary>Checks one file. Reads it only to compare its bytes with its type, and only when that can still matter.</summary>
        /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
        public FileValidationReport Validate(FileCandidate candidate, CancellationToken ct = default)
        {
            if (candidate is null)
            {
                throw new ArgumentNullException(nameof(candidate));
            }

            FileFacts facts = FileFacts.Gather(candidate, _policy, ct);
            ValidationResult result = _rules.Validate(facts);
            IEnumerable<ValidationFailure> failures = result.Errors.Select(e => new ValidationFailure(
                e.PropertyName,
                e.ErrorCode,
                LiteralMessage.Of(e),
                e.AttemptedValue));
            return new FileValidationReport(
                candidate.Path,
                candidate.FileName,
                facts.Length,
                facts.ContentType,
                facts.Content?.DetectedContentType,
                failures);
        }
    }

    /// <summary>What was found on disk, gathered once so that the rules are plain predicates over it.</summary>
    internal sealed class FileFacts
    {
        private FileFacts(FileCandidate candidate)
        {
            Candidate = candidate;
        }

        public FileCandidate Candidate { get; }

        public bool Exists { get; private set; }

        public bool IsDirectory { get; private set; }

        /// <summary>A symbolic link, junction or other reparse point: never followed.</summary>
        public bool IsLink { get; private set; }

        public bool IsFile => Exists && !IsDirectory;

        public long Length { get; private set; } = -1;

        public string? ContentType { get; private set; }

        /// <summary>Null when the bytes were not examined (no file, no type, empty, too large, or unreadable).</summary>
        public ContentMatch? Content { get; private set; }

        public string? ReadError { get; private set; }

        public TransferMetadata Metadata => Candidate.Metadata;

        public static FileFacts Gather(FileCandidate candidate, FileUploadPolicy policy, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var facts = new FileFacts(candidate)
            {
                ContentType = candidate.DeclaredContentType ?? ContentTypes.FromFileName(candidate.FileName),
            };

            // A link (or junction) is refused before anything follows it: it could point at a file the sender may
            // read but never meant to send, and its own size says nothing about the target's.
            var link = new FileInfo(candidate.Path);
            if (link.Exists || Directory.Exists(candidate.Path))
            {
                if ((link.Attributes & FileAttributes.ReparsePoint) != 0)
                {
                    facts.Exists = true;
                    facts.IsLink = true;
                    return facts;
                }
            }

            if (Directory.Exists(candidate.Path))
            {
                facts.Exists = true;
                facts.IsDirectory = true;
                return facts;
            }

            var info = new FileInfo(candidate.Path);
            if (!info.Exists)
            {
                return facts;
            }

            facts.Exists = true;
            facts.Length = info.Length;

            // A file that is empty or over the limit is rejected whatever its bytes are, and one over the limit may be
            // gigabytes: reading it would only delay the answer.
            if (facts.ContentType is null || facts.Length == 0 || facts.Length > policy.MaxFileSizeBytes)
            {
                return facts;
            }

            try
            {
                facts.Content = ContentSniffer.Check(candidate.Path, facts.ContentType, ct);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                facts.ReadError = ex.Message;
            }

            return facts;
        }
    }

    /// <summary>
    /// The rules themselves. Fields are independent (every failing field is reported); within one field, checks that
    /// make no sense after an earlier failure are skipped.
    /// </summary>
    internal sealed class FileFactsRules : AbstractValidator<FileFacts>
    {
        private static readonly Regex Uuid = new Regex(
            @"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z",
            RegexOptions.CultureInvariant);

        public FileFactsRules(FileUploadPolicy policy, bool requireMetadata)
        {
            ClassLevelCascadeMode = CascadeMode.Continue;

            RuleFor(x => x.Candidate.Path)
                .Cascade(CascadeMode.Stop)
                .Must((x, _) => x.Exists)
                .WithErrorCode(ValidationErrorCodes.FileNotFound)
                .WithLiteralMessage(x => "No file exists at '" + x.Candidate.Path + "'.")
                .Must((x, _) => !x.IsLink)
                .WithErrorCode(ValidationErrorCodes.FileIsLink)
                .WithLiteralMessage(x => "'" + x.Candidate.Path + "' is a symbolic link (or another reparse point); links are not followed. Send the file itself by its own path.")
                .Must((x, _) => !x.IsDirectory)
                .WithErrorCode(ValidationErrorCodes.NotAFile)
                .WithLiteralMessage(x => "'" + x.Candidate.Path + "' is a directory; only files can be sent.")
                .Must((x, _) => x.ReadError is null)
                .WithErrorCode(ValidationErrorCodes.FileUnreadable)
                .WithLiteralMessage(x => "The file '" + x.Candidate.Path + "' cannot be read: " + x.ReadError)
                .OverridePropertyName(ValidationFields.Path);

            RuleFor(x => x.Candidate.FileName)
                .Custom((name, context) =>
                {
                    foreach (ValidationFailure failure in FileNameRules.Check(name))
                    {
                        context.AddFailure(ToFluent(failure));
                    }
                });

            RuleFor(x => x.Length)
                .Cascade(CascadeMode.Stop)
                .GreaterThan(0)
                .WithErrorCode(ValidationErrorCodes.FileEmpty)
                .WithLiteralMessage(x => "The file '" + x.Candidate.FileName + "' is empty (0 bytes); there is nothing to send.")
                .LessThanOrEqualTo(policy.MaxFileSizeBytes)
                .WithErrorCode(ValidationErrorCodes.FileTooLarge)
                .WithLiteralMessage(x => "The file '" + x.Candidate.FileName + "' is " + MediaTypes.FormatBytes(x.Length) + " ("
                    + MediaTypes.FormatMegabytes(x.Length) + "); the maximum is " + MediaTypes.FormatBytes(policy.MaxFileSizeBytes)
                    + " (" + MediaTypes.FormatMegabytes(policy.MaxFileSizeBytes) + ", policy '" + policy.Source + "').")
                .When(x => x.IsFile)
                .OverridePropertyName(ValidationFields.Length);

            string allowed = string.Join(", ", policy.AllowedContentTypes);
            RuleFor(x => x.ContentType)
                .Cascade(CascadeMode.Stop)
                .NotNull()
                .WithErrorCode(ValidationErrorCodes.ContentTypeUnknown)
                .WithLiteralMessage(x => "No content type was given and the extension of '" + x.Candidate.FileName
                    + "' does not imply one; declare the content type. Allowed: " + allowed + ".")
                .Must(type => policy.Allows(type!))
                .WithErrorCode(ValidationErrorCodes.ContentTypeNotAllowed)
                .WithLiteralMessage(x => "The content type '" + x.ContentType + "'" + (x.Candidate.DeclaredContentType is null ? " (from the file's extension)" : string.Empty)
                    + " is not allowed by policy '" + policy.Source + "'. Allowed: " + (allowed.Length == 0 ? "nothing" : allowed) + ".")
                .When(x => !x.IsDirectory) // a folder is reported as such; a content type for it would be a second, misleading reason
                .OverridePropertyName(ValidationFields.ContentType);

            // Separate from the rule above: an executable behind a disallowed type is still worth reporting.
            RuleFor(x => x.ContentType)
                .Must((x, _) => x.Content!.Matches)
                .WithErrorCode(ValidationErrorCodes.ContentMismatch)
                .WithLiteralMessage(x => "The content of '" + x.Candidate.FileName + "' does not match its type: " + x.Content!.Reason)
                .When(x => x.Content != null)
                .OverridePropertyName(ValidationFields.ContentType);

            RuleFor(x => x.Metadata.StorageBucketReference)
                .Cascade(CascadeMode.Stop)
                .Must(value => !string.IsNullOrWhiteSpace(value))
                .WithErrorCode(ValidationErrorCodes.StorageBucketReferenceMissing)
                .WithLiteralMessage(_ => "No storage bucket reference was given; it must be a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301.")
                .When(_ => requireMetadata, ApplyConditionTo.CurrentValidator)
                .Must(value => string.IsNullOrWhiteSpace(value) || Uuid.IsMatch(value!))
                .WithErrorCode(ValidationErrorCodes.StorageBucketReferenceNotUuid)
                .WithLiteralMessage(x => "The storage bucket reference '" + x.Metadata.StorageBucketReference
                    + "' is not a UUID; expected 32 hex digits as 8-4-4-4-12, e.g. 3f2504e0-4f89-41d3-9a0c-0305e82c3301.")
                .OverridePropertyName(ValidationFields.StorageBucketReference);

            RuleFor(x => x.Metadata.AccessPolicy)
                .NotNull()
                .WithErrorCode(ValidationErrorCodes.AccessPolicyMissing)
                .WithLiteralMessage(_ => "No retention was given: name how many days the file is kept (-RetentionDays, "
                    + Invariant(AccessPolicy.MinRetentionDays) + " to " + Invariant(AccessPolicy.MaxRetentionDays)
                    + "); the encryption standard defaults to " + EncryptionStandards.Aes256 + " and downloads to not allowed.")
                .When(_ => requireMetadata)
                .OverridePropertyName(ValidationFields.AccessPolicy);

            When(x => x.Metadata.AccessPolicy != null, () =>
            {
                RuleFor(x => x.Metadata.AccessPolicy!.RetentionDays)
                    .Cascade(CascadeMode.Stop)
                    .GreaterThanOrEqualTo(AccessPolicy.MinRetentionDays)
                    .WithErrorCode(ValidationErrorCodes.RetentionDaysNotPositive)
                    .WithLiteralMessage(x => "The retention is " + Invariant(x.Metadata.AccessPolicy!.RetentionDays) + " days; it must be at least "
                        + Invariant(AccessPolicy.MinRetentionDays) + " day.")
                    .LessThanOrEqualTo(AccessPolicy.MaxRetentionDays)
                    .WithErrorCode(ValidationErrorCodes.RetentionDaysTooLarge)
                    .WithLiteralMessage(x => "The retention is " + Invariant(x.Metadata.AccessPolicy!.RetentionDays) + " days; it must be at most "
                        + Invariant(AccessPolicy.MaxRetentionDays) + " days (100 years).")
                    .OverridePropertyName(ValidationFields.RetentionDays);

                RuleFor(x => x.Metadata.AccessPolicy!.EncryptionStandard)
                    .Must(value => EncryptionStandards.Normalize(value) != null)
                    .WithErrorCode(ValidationErrorCodes.EncryptionStandardNotSupported)
                    .WithLiteralMessage(x => "The encryption standard '" + x.Metadata.AccessPolicy!.EncryptionStandard
                        + "' is not supported; use one of: " + string.Join(", ", EncryptionStandards.All) + ".")
                    .OverridePropertyName(ValidationFields.EncryptionStandard);
            });
        }

        private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static FvFailure ToFluent(ValidationFailure failure) =>
            new FvFailure(failure.Field, failure.Message, failure.AttemptedValue) { ErrorCode = failure.ErrorCode };
    }

    /// <summary>
    /// FluentValidation runs every message through its placeholder formatter, so a file named "{PropertyName}.pdf"
    /// would be reported as "Content Type.pdf". Messages that quote user input therefore travel as the failure's
    /// custom state, which is never formatted, and replace the formatted text when the report is built.
    /// </summary>
    internal static class LiteralMessage
    {
        private const string Unused = "{PropertyName} is not valid.";

        public static IRuleBuilderOptions<T, TProperty> WithLiteralMessage<T, TProperty>(
            this IRuleBuilderOptions<T, TProperty> rule,
            Func<T, string> message) =>
            rule.WithMessage(Unused).WithState(x => new Text(message(x)));

        public static string Of(FvFailure failure) =>
            failure.CustomState is Text literal ? literal.Value : failure.ErrorMessage;

        private sealed class Text
        {
            public Text(string value)
            {
                Value = value;
            }

            public string Value { get; }
        }
    }
}
