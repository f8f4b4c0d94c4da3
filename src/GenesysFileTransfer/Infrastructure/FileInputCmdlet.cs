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
        [FlexibleBoolean]
        public bool VirusScanEnabled { get; set; } = true;

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public FileUploadPolicy? Policy { get; set; }

        protected bool IsFileInput => ParameterSetName == PathSet || ParameterSetName == LiteralPathSet;

        protected FileUploadPolicy EffectivePolicy => Policy ?? FileUploadPolicy.Default;

        /// <summary>The access policy is only built from what was given, so a missing one is reported as such.</summary>
        protected TransferMetadata BuildMetadata(GenesysFileTransfer.Engine.Connection.GenesysConnection? connection = null)
        {
            // Not given: scan when the connection has a scanner. Given as $true: a scanner is required, and a
            // connection without one refuses the file (MalwareScannerNotConfigured) rather than send it unscanned.
            bool scan = MyInvocation.BoundParameters.ContainsKey(nameof(VirusScanEnabled)) || connection is null
                ? VirusScanEnabled
                : connection.MalwareScanner != null;
            bool anyAccess = RetentionDays.HasValue || EncryptionStandard != null || MyInvocation.BoundParameters.ContainsKey(nameof(DownloadAllowed));
            return new TransferMetadata
            {
                StorageBucketReference = StorageBucketReference,
                AccessPolicy = anyAccess
                    ? new AccessPolicy
                    {
                        RetentionDays = RetentionDays ?? 0,
                        EncryptionStandard = EncryptionStandard ?? EncryptionStandards.Aes256,
                        DownloadAllowed = DownloadAllowed.IsPresent,
                    }
                    : null,
                VirusScanEnabled = scan,
            };
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath to file-system paths. An unresolvable entry becomes a
        /// non-terminating error and the rest go on.
        /// </summary>
        protected IEnumerable<string> ResolveInputPaths()
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
                            WriteError(new ErrorRecord(new ArgumentException($"'{input}' is not a file-system path."), ErrorIds.PathNotFound, ErrorCategory.InvalidArgument, input));
                            continue;
                        }
                    }
                }
                catch (Exception ex) when (ex is ItemNotFoundException || ex is DriveNotFoundException || ex is ProviderNotFoundException)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, input));
                    continue;
                }

                foreach (string path in resolved)
                {
                    yield return path;
                }
            }
        }
    }
}
