using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Validates a file and opens its transfer session (a Genesys media upload with a presigned URL), or resumes the
    /// journal's transfer of the same bytes to the same conversation.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "GcFileTransfer", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.CmdletHelp + "New-GcFileTransfer.md")]
    [OutputType(typeof(FileTransfer))]
    public sealed class NewGcFileTransferCommand : FileInputCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ConversationIdCompleter))]
        public string ConversationId { get; set; } = string.Empty;

        /// <summary>The agent's communication (participant message) id in that conversation.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string CommunicationId { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        /// <summary>Open a new transfer even when the journal has one for the same file and target.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            TransferMetadata metadata = BuildMetadata(connection);
            foreach ((string path, int matched) in ResolveInputFiles())
            {
                FileCandidate? candidate = CandidateFor(path, metadata, matched);
                if (candidate is null || !PassesLocalChecksForWhatIf(candidate))
                {
                    continue;
                }

                string sentAs = candidate.FileName == candidate.OriginalFileName ? string.Empty : $" as '{candidate.FileName}'";
                if (!ShouldProcess(path, $"Create a Genesys Cloud media upload{sentAs} in conversation {ConversationId}"))
                {
                    continue;
                }

                CreateTransferRequest request;
                try
                {
                    request = new CreateTransferRequest(candidate, ConversationId, CommunicationId, EffectivePolicy) { CorrelationId = CorrelationId, StartNew = Force };
                }
                catch (System.ArgumentException ex)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.FileValidationFailed, ErrorCategory.InvalidArgument, path));
                    continue;
                }

                RunWork(
                    async (queue, stop) =>
                    {
                        FileTransfer transfer = await connection.Transfers.CreateAsync(request, stop).ConfigureAwait(false);
                        if (TransferReports.ReportExisting(queue, transfer))
                        {
                            queue.Output(transfer);
                        }
                    },
                    ex => ErrorRecords.From(ex, path));
            }
        }
    }
}
