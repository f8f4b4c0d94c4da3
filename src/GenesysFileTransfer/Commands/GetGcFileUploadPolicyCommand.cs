using System;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands
{
    [Cmdlet(VerbsCommon.Get, "GcFileUploadPolicy", DefaultParameterSetName = DefaultSet, HelpUri = HelpLinks.CmdletHelp + "Get-GcFileUploadPolicy.md")]
    [OutputType(typeof(FileUploadPolicy))]
    public sealed class GetGcFileUploadPolicyCommand : AsyncPSCmdlet
    {
        private const string DefaultSet = "Default";
        private const string PathSet = "Path";
        private const string SupportedContentSet = "SupportedContent";
        private const string DeploymentSet = "Deployment";

        /// <summary>A JSON policy file: {"allowedContentTypes":[...],"maxFileSizeBytes":n}.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SupportedContentSet)]
        public SwitchParameter FromOrganization { get; set; }

        [Parameter(ParameterSetName = SupportedContentSet)]
        public string? SupportedContentId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = DeploymentSet)]
        [ValidateNotNullOrEmpty]
        public string? DeploymentId { get; set; }

        [Parameter(ParameterSetName = SupportedContentSet)]
        [Parameter(ParameterSetName = DeploymentSet)]
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case PathSet:
                    string file = GetUnresolvedProviderPathFromPSPath(Path);
                    try
                    {
                        WriteObject(FileUploadPolicy.Load(file));
                    }
                    catch (PolicyFormatException ex)
                    {
                        WriteError(ErrorRecords.From(ex, file));
                    }
                    catch (Exception ex) when (ex is System.IO.FileNotFoundException || ex is System.IO.DirectoryNotFoundException)
                    {
                        WriteError(new ErrorRecord(ex, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, file));
                    }
                    catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                    {
                        WriteError(new ErrorRecord(ex, ErrorIds.PolicyInvalid, ErrorCategory.ReadError, file));
                    }

                    break;
                case SupportedContentSet:
                case DeploymentSet:
                    GenesysConnection connection = RequireConnection(Connection);
                    object target = (object?)DeploymentId ?? SupportedContentId ?? "default";
                    RunWork(
                        async (queue, stop) => queue.Output(ParameterSetName == DeploymentSet
                            ? await connection.Policies.GetDeploymentPolicyAsync(DeploymentId!, CorrelationId, stop).ConfigureAwait(false)
                            : await connection.Policies.GetSupportedContentPolicyAsync(SupportedContentId, CorrelationId, stop).ConfigureAwait(false)),
                        ex => ErrorRecords.From(ex, target));
                    break;
                default:
                    WriteObject(FileUploadPolicy.Default);
                    break;
            }
        }
    }
}
