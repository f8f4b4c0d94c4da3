using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands
{
    /// <summary>Runs every local check and reports each failing field; sends nothing.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "GcFileTransferPayload", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.CmdletHelp + "Test-GcFileTransferPayload.md")]
    [OutputType(typeof(FileValidationReport))]
    public sealed class TestGcFileTransferPayloadCommand : FileInputCmdlet
    {
        /// <summary>Only check the file itself (name, size, type, content), not the transfer metadata.</summary>
        [Parameter]
        public SwitchParameter SkipMetadata { get; set; }

        protected override void ProcessRecord()
        {
            var validator = new FileTransferValidator(EffectivePolicy, requireMetadata: !SkipMetadata);
            TransferMetadata metadata = BuildMetadata();
            foreach ((string path, int matched) in ResolveInputFiles(reportNamedFolders: true))
            {
                FileCandidate? candidate = CandidateFor(path, metadata, matched);
                if (candidate is null)
                {
                    continue;
                }

                FileValidationReport report = validator.Validate(candidate, PipelineStopToken);
                foreach (ValidationFailure failure in report.Failures)
                {
                    WriteVerbose($"{report.FileName}: {failure}");
                }

                WriteObject(report);
            }
        }
    }
}
