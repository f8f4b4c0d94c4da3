using System;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Renews a transfer's upload URL when it is close to expiry (or when forced). Genesys has no renew call, so
    /// this opens a fresh media upload for the same TransferId; the old media id is kept in the history.
    /// </summary>
    [Cmdlet(VerbsData.Update, "GcFileTransfer", DefaultParameterSetName = TransferSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.CmdletHelp + "Update-GcFileTransfer.md")]
    [OutputType(typeof(FileTransfer))]
    public sealed class UpdateGcFileTransferCommand : TransferInputCmdlet
    {
        /// <summary>Renew when fewer than this many minutes remain on the upload URL.</summary>
        [Parameter]
        [ValidateRange(0, 10080)]
        public int RenewWithinMinutes { get; set; } = 30;

        /// <summary>Renew even if the URL has plenty of time left.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            TimeSpan threshold = TimeSpan.FromMinutes(RenewWithinMinutes);
            foreach (FileTransfer transfer in ResolveTransfers(connection))
            {
                connection.Lookup.Refresh(transfer);
                TimeSpan remaining = connection.Transfers.RemainingUploadTime(transfer);
                bool due = Force || remaining < threshold;
                if (!due)
                {
                    WriteVerbose($"{transfer.FileName}: upload URL valid for {remaining.TotalMinutes:0} more minutes; no renewal needed.");
                    WriteObject(transfer);
                    continue;
                }

                if (!ShouldProcess($"{transfer.FileName} ({transfer.TransferId})", $"Replace media {transfer.MediaId} with a new Genesys media upload"))
                {
                    continue;
                }

                RunWork(
                    async (queue, stop) =>
                    {
                        string? old = transfer.MediaId;
                        bool renewed = await connection.Transfers.RenewIfNeededAsync(transfer, threshold, Force, CorrelationId, stop).ConfigureAwait(false);
                        if (renewed)
                        {
                            queue.Verbose($"{transfer.FileName}: renewed; media {old} replaced by {transfer.MediaId}, URL valid until {transfer.ExpiresAt:u}.");
                        }

                        queue.Output(transfer);
                    },
                    ex => ErrorRecords.From(ex, transfer));
            }
        }
    }
}
