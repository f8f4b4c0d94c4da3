using System;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Waits until Genesys has validated uploaded media. Valid transfers are output; media Genesys marked invalid
    /// is a non-terminating error naming the reason, so the rest of a batch carries on.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "GcFileTransferScan", DefaultParameterSetName = TransferSet, HelpUri = HelpLinks.CmdletHelp + "Wait-GcFileTransferScan.md")]
    [OutputType(typeof(FileTransfer))]
    public sealed class WaitGcFileTransferScanCommand : TransferInputCmdlet
    {
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        /// <summary>The longest pause between two polls; polling starts at 100 ms, stays at 250 ms or less for 5 s, then backs off up to this.</summary>
        [Parameter]
        [ValidateRange(100, 60000)]
        public int MaxPollIntervalMs { get; set; } = 2000;

        /// <summary>How many transfers are polled at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = SendGcFileCommand.DefaultThrottleLimit;

        protected override void BeginProcessing()
        {
            MaxConcurrency = ThrottleLimit;
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            var options = new ScanWaitOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                MaxInterval = TimeSpan.FromMilliseconds(MaxPollIntervalMs),
            };
            foreach (FileTransfer transfer in ResolveTransfers(connection))
            {
                StartWork(
                    async (queue, stop) =>
                    {
                        await connection.Transfers.WaitForScanAsync(transfer, options, CorrelationId, stop).ConfigureAwait(false);
                        if (transfer.Status == TransferStatus.Invalid)
                        {
                            queue.Error(ErrorRecords.Invalid(transfer));
                            return;
                        }

                        queue.Verbose($"{transfer.FileName}: Genesys validated media {transfer.MediaId}.");
                        queue.Output(transfer);
                    },
                    ex => ErrorRecords.From(ex, transfer));
            }
        }
    }
}
