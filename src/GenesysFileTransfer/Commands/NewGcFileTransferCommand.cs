using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands
{
    /// <summary>Validates a file and opens its transfer session (a Genesys media upload with a presigned URL).</summary>
    [Cmdlet(VerbsCommon.New, "GcFileTransfer", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileTransfer))]
    public sealed class NewGcFileTransferCommand : FileInputCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ConversationId { get; set; } = string.Empty;

        /// <summary>The agent's communication (participant message) id in that conversation.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string CommunicationId { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            TransferMetadata metadata = BuildMetadata();
            foreach (string path in ResolveInputPaths())
            {
                if (!ShouldProcess(path, $"Create a Genesys Cloud media upload in conversation {ConversationId}"))
                {
                    continue;
                }

                CreateTransferRequest request;
                try
                {
                    request = new CreateTransferRequest(new FileCandidate(path, ContentType, metadata), ConversationId, CommunicationId, EffectivePolicy) { CorrelationId = CorrelationId };
                }
                catch (System.ArgumentException ex)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.FileValidationFailed, ErrorCategory.InvalidArgument, path));
                    continue;
                }

                RunWork(
                    async (queue, stop) => queue.Output(await connection.Transfers.CreateAsync(request, stop).ConfigureAwait(false)),
                    ex => ErrorRecords.From(ex, path));
            }
        }
    }
}
