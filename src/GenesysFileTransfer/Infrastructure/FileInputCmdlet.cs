using System;
using System.Collections.Generic;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Completion;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// The parameters shared by every command that takes files from disk: -Path/-LiteralPath (so Get-ChildItem
    /// output binds literally), the declared content type, the transfer metadata and the upload policy. All bind
    /// by property name, so a CSV manifest can drive a batch.
    /// </summary>
    public abstract class FileInputCmdlet : AsyncPSCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ContentTypeCompleter))]
        public string? ContentType { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("BucketReference")]
        public string? StorageBucketReference { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [BlankAsNull]
        public int? RetentionDays { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(EncryptionStandardCompleter))]
        public string? EncryptionStandard { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [FlexibleBoolean]
        public SwitchParameter DownloadAllowed { get; set; }

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [FlexibleBoolean(BlankIsUnset = true)]
        public bool? VirusScanEnabled { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public FileUploadPolicy? Policy { get; set; }

        /// <summary>
        /// The name Genesys is given for the file (one file per value), e.g. 'my_invoice.pdf' for "my invoice.pdf",
        /// whose space Genesys refuses. The journal keeps the path, so the name on disk is kept too (OriginalFileName).
        /// </summary>
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("SendAs")]
        public string? FileName { get; set; }

        protected bool IsFileInput => ParameterSetName == PathSet || ParameterSetName == LiteralPathSet;

        protected FileUploadPolicy EffectivePolicy => Policy ?? FileUploadPolicy.Default;

        /// <summary>True under -WhatIf (or $WhatIfPreference): ShouldProcess will say no, and the local checks still run.</summary>
        protected bool IsWhatIf
        {
            get
            {
                if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value))
                {
                    return value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);
                }

                return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            }
        }

        /// <summary>-FileName when given (a blank CSV cell is "not given").</summary>
        protected string? RequestedFileName => Blank(FileName);

        /// <summary>
        /// The candidate for a path, or null after reporting why there is none (-FileName given for several files).
        /// </summary>
        protected FileCandidate? CandidateFor(string path, TransferMetadata metadata, int resolvedCount)
        {
            string? name = RequestedFileName;
            if (name != null && resolvedCount > 1)
            {
                ReportInputError(new ErrorRecord(
                    new ArgumentException($"-FileName '{name}' names one file, but '{System.IO.Path.GetFileName(path)}' is one of {resolvedCount} files this input matched; give one path per name (a CSV manifest may have a FileName column)."),
                    ErrorIds.FileValidationFailed,
                    ErrorCategory.InvalidArgument,
                    path));
                return null;
            }

            return new FileCandidate(path, Blank(ContentType), metadata, name);
        }

        /// <summary>
        /// Under -WhatIf, runs every local check a real run makes (name, size, type, content, metadata) and reports a
        /// failure exactly as the real run would (FileValidationFailed, the same message), so a dry run catches what the
        /// run would refuse. Returns false when the file would be refused.
        /// </summary>
        protected bool PassesLocalChecksForWhatIf(FileCandidate candidate)
        {
            if (!IsWhatIf)
            {
                return true;
            }

            FileValidationReport report = new FileTransferValidator(EffectivePolicy, requireMetadata: true).Validate(candidate, PipelineStopToken);
            if (report.IsValid)
            {
                return true;
            }

            ReportInputError(ErrorRecords.From(new Engine.Transfers.FileValidationException(report), candidate.Path));
            return false;
        }

        /// <summary>Writes an error about one input (a path, a file refused before anything was sent); a batch command counts it.</summary>
        protected virtual void ReportInputError(ErrorRecord record) => WriteError(record);

        protected static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        /// <summary>The access policy is only built from what was given, so a missing one is reported as such.</summary>
        protected TransferMetadata BuildMetadata(GenesysFileTransfer.Engine.Connection.GenesysConnection? connection = null)
        {
            // Not given (or an empty CSV cell): scan when the connection has a scanner. Given as $true: a scanner is
            // required, and a connection without one refuses the file (MalwareScannerNotConfigured) rather than send
            // it unscanned. Without a connection (a local check) the metadata's default, on, is shown.
            bool scan = VirusScanEnabled ?? (connection is null || connection.MalwareScanner != null);
            // An empty CSV cell binds as "" (or 0 for a number): it means "not given", so the default applies.
            string? encryption = Blank(EncryptionStandard);
            int? retention = RetentionDays;
            bool anyAccess = retention.HasValue || encryption != null || DownloadAllowed.IsPresent;
            return new TransferMetadata
            {
                StorageBucketReference = Blank(StorageBucketReference)?.Trim(),
                AccessPolicy = anyAccess
                    ? new AccessPolicy
                    {
                        RetentionDays = retention ?? 0,
                        EncryptionStandard = encryption?.Trim() ?? EncryptionStandards.Aes256,
                        DownloadAllowed = DownloadAllowed.IsPresent,
                    }
                    : null,
                VirusScanEnabled = scan,
            };
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath to file-system paths, each with how many files its input matched
        /// (-FileName names exactly one). An unresolvable entry becomes a non-terminating error and the rest go on.
        /// Folders are not files: one piped in (Get-ChildItem -Recurse) or matched by a wildcard is skipped with a
        /// verbose line; one named on its own is an error that says how to send what is in it (or, with
        /// <paramref name="reportNamedFolders"/>, left to the validator's report).
        /// </summary>
        protected IEnumerable<(string Path, int Matched)> ResolveInputFiles(bool reportNamedFolders = false)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string input in literal ? LiteralPath : Path)
            {
                List<string> resolved = new List<string>();
                try
                {
                    if (literal)
                    {
                        resolved.Add(GetUnresolvedProviderPathFromPSPath(input));
                    }
                    else
                    {
                        resolved.AddRange(GetResolvedProviderPathFromPSPath(input, out ProviderInfo provider));
                        if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                        {
                            ReportInputError(new ErrorRecord(new ArgumentException($"'{input}' is not a file-system path."), ErrorIds.PathNotFound, ErrorCategory.InvalidArgument, input));
                            continue;
                        }
                    }
                }
                catch (Exception ex) when (ex is ItemNotFoundException || ex is DriveNotFoundException || ex is ProviderNotFoundException)
                {
                    ReportInputError(new ErrorRecord(ex, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, input));
                    continue;
                }

                bool named = !MyInvocation.ExpectingInput && !(!literal && WildcardPattern.ContainsWildcardCharacters(input));
                var files = new List<string>(resolved.Count);
                foreach (string path in resolved)
                {
                    if (!System.IO.Directory.Exists(path) || (named && reportNamedFolders))
                    {
                        files.Add(path);
                    }
                    else if (named)
                    {
                        ReportInputError(new ErrorRecord(
                            new ArgumentException($"'{path}' is a folder, not a file. To send the files in it, use -Path '{System.IO.Path.Combine(path, "*")}' or Get-ChildItem -LiteralPath '{path}' -File | Send-GcFile …"),
                            ErrorIds.FileValidationFailed,
                            ErrorCategory.InvalidArgument,
                            path));
                    }
                    else
                    {
                        WriteVerbose($"Skipping the folder '{path}': only files are sent.");
                    }
                }

                foreach (string path in files)
                {
                    yield return (path, files.Count);
                }
            }
        }
    }
}
