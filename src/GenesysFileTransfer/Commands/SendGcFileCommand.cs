using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;
using GenesysFileTransfer.Engine.Validation;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Uploads files to their presigned URLs, several at a time; with -Wait and -Deliver it runs the whole
    /// lifecycle. Accepts transfers from New-GcFileTransfer, or paths (creating the transfers itself).
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "GcFile", DefaultParameterSetName = TransferSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(FileTransfer))]
    public sealed class SendGcFileCommand : FileInputCmdlet
    {
        private const string TransferSet = "Transfer";
        internal const int DefaultThrottleLimit = 8;
        private TransferProgress? _progress;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TransferSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public FileTransfer[] Transfer { get; set; } = Array.Empty<FileTransfer>();

        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ConversationId { get; set; } = string.Empty;

        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string CommunicationId { get; set; } = string.Empty;

        /// <summary>After the upload, wait until Genesys has validated the media.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>After validation, send the media into the conversation (implies -Wait).</summary>
        [Parameter]
        public SwitchParameter Deliver { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int ScanTimeoutSec { get; set; } = 300;

        /// <summary>How many files are in flight at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        [Parameter]
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        /// <summary>Open a new transfer for each path even when the journal has one for the same file and target.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            MaxConcurrency = ThrottleLimit;
            base.BeginProcessing();
            _progress = new TransferProgress(Queue, "Sending files to Genesys Cloud");
        }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            if (IsFileInput)
            {
                TransferMetadata metadata = BuildMetadata();
                foreach (string path in ResolveInputPaths())
                {
                    if (!ShouldProcess(path, Describe($"Upload to Genesys Cloud conversation {ConversationId}")))
                    {
                        continue;
                    }

                    CreateTransferRequest request;
                    try
                    {
                        request = new CreateTransferRequest(new FileCandidate(path, ContentType, metadata), ConversationId, CommunicationId, EffectivePolicy) { CorrelationId = CorrelationId, StartNew = Force };
                    }
                    catch (ArgumentException ex)
                    {
                        WriteError(new ErrorRecord(ex, ErrorIds.FileValidationFailed, ErrorCategory.InvalidArgument, path));
                        continue;
                    }

                    Start(connection, request.File.FileName, 0, async stop => await connection.Transfers.CreateAsync(request, stop).ConfigureAwait(false), path);
                }

                return;
            }

            foreach (FileTransfer transfer in Transfer)
            {
                if (ShouldProcess($"{transfer.FileName} ({transfer.TransferId})", Describe($"Upload {transfer.Length} bytes to Genesys Cloud conversation {transfer.ConversationId}")))
                {
                    Start(connection, transfer.FileName, transfer.Length, _ => Task.FromResult(transfer), transfer);
                }
            }
        }

        private string Describe(string action) => Deliver ? action + " and deliver it into the conversation" : Wait ? action + " and wait for Genesys to validate it" : action;

        private void Start(GenesysConnection connection, string fileName, long length, Func<CancellationToken, Task<FileTransfer>> open, object target)
        {
            FileTransfer? current = null;
            StartWork(
                async (queue, stop) =>
                {
                    TransferProgress.FileBar bar = _progress!.Start(fileName, length);
                    try
                    {
                        bar.Stage("validating and creating the transfer");
                        current = await open(stop).ConfigureAwait(false);
                        if (IsFileInput && !TransferReports.ReportExisting(queue, current))
                        {
                            return;
                        }

                        if (current.Status == TransferStatus.Delivered)
                        {
                            queue.Output(current);
                            return;
                        }

                        queue.Verbose($"{current.FileName}: transfer {current.TransferId}, media {current.MediaId}, upload URL {current.UploadUrl} valid until {current.ExpiresAt:u}.");
                        bar.Length = current.Length;
                        await connection.Transfers.UploadAsync(current, bar, CorrelationId, stop).ConfigureAwait(false);
                        queue.Verbose($"{current.FileName}: {current.Length} bytes uploaded.");
                        if (Wait || Deliver)
                        {
                            bar.Stage("waiting for Genesys to validate the media");
                            await connection.Transfers.WaitForScanAsync(current, new ScanWaitOptions { Timeout = TimeSpan.FromSeconds(ScanTimeoutSec) }, CorrelationId, stop).ConfigureAwait(false);
                            if (current.Status == TransferStatus.Invalid)
                            {
                                queue.Error(ErrorRecords.Invalid(current));
                                return;
                            }
                        }

                        if (Deliver)
                        {
                            bar.Stage("delivering into the conversation");
                            await connection.Transfers.DeliverAsync(current, CorrelationId, stop).ConfigureAwait(false);
                            queue.Verbose($"{current.FileName}: delivered as message {current.MessageId}.");
                        }

                        queue.Output(current);
                    }
                    finally
                    {
                        bar.Complete();
                    }
                },
                ex => ErrorRecords.From(ex, (object?)current ?? target));
        }
    }
}
