using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands
{
    /// <summary>What New-GcFileTransfer and Send-GcFile say about a transfer the journal already had for a file.</summary>
    internal static class TransferReports
    {
        /// <summary>
        /// Explains a resumed or already-finished transfer on the verbose stream. Returns false when the transfer must
        /// go no further: media Genesys marked invalid is reported as FileRejectedByGenesys again, without a new upload.
        /// </summary>
        public static bool ReportExisting(PipelineQueue queue, FileTransfer transfer)
        {
            switch (transfer.Status)
            {
                case TransferStatus.Delivered:
                    queue.Verbose($"{transfer.FileName}: already delivered as message {transfer.MessageId} at {transfer.DeliveredAt:u} (transfer {transfer.TransferId}); nothing is sent again. Use -Force to send it once more.");
                    return true;
                case TransferStatus.Invalid:
                    queue.Error(ErrorRecords.Invalid(transfer));
                    return false;
                default:
                    if (transfer.Resumed)
                    {
                        queue.Verbose($"{transfer.FileName}: resuming transfer {transfer.TransferId} from the journal ({transfer.Status}, media {transfer.MediaId}).");
                    }

                    return true;
            }
        }
    }
}
