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
    [Cmdlet(VerbsCommunications.Send, "GcFile", DefaultParameterSetName = TransferSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.CmdletHelp + "Send-GcFile.md")]
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
                TransferMetadata metadata = BuildMetadata(connection);
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

                    Start(request.File.FileName, 0, (options, observer, stop) => connection.Sender.SendAsync(request, options, observer, stop), path);
                }

                return;
            }

            foreach (FileTransfer transfer in Transfer)
            {
                if (ShouldProcess($"{transfer.FileName} ({transfer.TransferId})", Describe($"Upload {transfer.Length} bytes to Genesys Cloud conversation {transfer.ConversationId}")))
                {
                    Start(transfer.FileName, transfer.Length, (options, observer, stop) => connection.Sender.SendAsync(transfer, options, observer, stop), transfer);
                }
            }
        }

        private string Describe(string action) => Deliver ? action + " and deliver it into the conversation" : Wait ? action + " and wait for Genesys to validate it" : action;

        private void Start(string fileName, long length, Func<SendOptions, ISendObserver, CancellationToken, Task<FileTransfer>> send, object target)
        {
            var options = new SendOptions
            {
                Wait = Wait,
                Deliver = Deliver,
                Scan = new ScanWaitOptions { Timeout = TimeSpan.FromSeconds(ScanTimeoutSec) },
                CorrelationId = CorrelationId,
            };
            bool fromPath = IsFileInput;
            StartWork(
                async (queue, stop) =>
                {
                    TransferProgress.FileBar bar = _progress!.Start(fileName, length);
                    var observer = new Observer(queue, bar, fromPath);
                    try
                    {
                        bar.Stage("validating and recording the transfer");
                        FileTransfer sent = await send(options, observer, stop).ConfigureAwait(false);
                        if (sent.Status == TransferStatus.Invalid)
                        {
                            // Media Genesys marked invalid is a result, reported as an error record (a rerun says it again).
                            if (!observer.ReportedInvalid)
                            {
                                queue.Error(ErrorRecords.Invalid(sent));
                            }

                            return;
                        }

                        if (sent.Reconciled)
                        {
                            queue.Verbose($"{sent.FileName}: the conversation already holds message {sent.MessageId} with media {sent.MediaId}; recorded as delivered without sending again.");
                        }
                        else if (sent.Status == TransferStatus.Delivered && Deliver)
                        {
                            queue.Verbose($"{sent.FileName}: delivered as message {sent.MessageId}.");
                        }

                        queue.Output(sent);
                    }
                    finally
                    {
                        bar.Complete();
                    }
                },
                ex => ErrorRecords.From(ex, target));
        }

        /// <summary>Relays what the engine reports to the pipeline queue and the file's progress bar.</summary>
        private sealed class Observer : ISendObserver
        {
            private readonly PipelineQueue _queue;
            private readonly TransferProgress.FileBar _bar;
            private readonly bool _fromPath;

            public Observer(PipelineQueue queue, TransferProgress.FileBar bar, bool fromPath)
            {
                _queue = queue;
                _bar = bar;
                _fromPath = fromPath;
            }

            public bool ReportedInvalid { get; private set; }

            public void Opened(FileTransfer transfer)
            {
                _bar.Length = transfer.Length;
                if (_fromPath && !TransferReports.ReportExisting(_queue, transfer))
                {
                    ReportedInvalid = true;
                }
            }

            public void Stage(string stage) => _bar.Stage(stage);

            public void Uploaded(long bytes) => _bar.Report(bytes);

            public void Note(string message) => _queue.Verbose(message);
        }
    }
}
