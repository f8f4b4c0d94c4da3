using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands
{
    /// <summary>Delivers validated media into its conversation (POST …/messages with its media id).</summary>
    [Cmdlet(VerbsCommunications.Send, "GcFileTransferMessage", DefaultParameterSetName = TransferSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.CmdletHelp + "Send-GcFileTransferMessage.md")]
    [OutputType(typeof(FileTransfer))]
    public sealed class SendGcFileTransferMessageCommand : TransferInputCmdlet
    {
        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            foreach (FileTransfer transfer in ResolveTransfers(connection))
            {
                // The object may be hours old or moved on by another process: decide on what the journal holds now.
                connection.Lookup.Refresh(transfer);
                if (transfer.Status == TransferStatus.Delivered)
                {
                    WriteVerbose($"{transfer.FileName}: already delivered as message {transfer.MessageId}; not sent again.");
                    WriteObject(transfer);
                    continue;
                }

                if (!ShouldProcess($"{transfer.FileName} ({transfer.TransferId})", $"Send media {transfer.MediaId} into conversation {transfer.ConversationId}"))
                {
                    continue;
                }

                RunWork(
                    async (queue, stop) => queue.Output(await connection.Transfers.DeliverAsync(transfer, CorrelationId, stop).ConfigureAwait(false)),
                    ex => ErrorRecords.From(ex, transfer));
            }
        }
    }
}
