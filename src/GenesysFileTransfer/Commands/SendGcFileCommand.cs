using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
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
        private readonly SendSummary _summary = new SendSummary();
        private readonly System.Diagnostics.Stopwatch _clock = new System.Diagnostics.Stopwatch();
        private readonly List<PendingSend> _collected = new List<PendingSend>();
        private readonly ConcurrentDictionary<string, int> _stoppedConversations = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        private TransferProgress? _progress;
        private bool _totalKnown;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TransferSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public FileTransfer[] Transfer { get; set; } = Array.Empty<FileTransfer>();

        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ConversationIdCompleter))]
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

        /// <summary>
        /// Puts what this call did (a <see cref="SendSummary"/>: delivered, uploaded, already done, failed, skipped,
        /// time, and each failure) in a variable of that name, as -ErrorVariable does for errors; a scheduled script
        /// checks <c>$summary.Failed</c> (or <c>-not $summary.Succeeded</c>) and exits non-zero.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SummaryVariable { get; set; }

        protected override void BeginProcessing()
        {
            MaxConcurrency = ThrottleLimit;
            base.BeginProcessing();
            _progress = new TransferProgress(Queue, "Sending files to Genesys Cloud");
            _summary.StartedAt = DateTimeOffset.Now;
            _clock.Start();
        }

        protected override void ProcessRecord()
        {
            GenesysConnection connection = RequireConnection(Connection);
            if (IsFileInput)
            {
                // Files are collected and started at the end of the input, so the progress bar knows the whole batch
                // (Get-ChildItem | Send-GcFile, Import-Csv | Send-GcFile): "12 of 50 files done", bytes and an ETA.
                TransferMetadata metadata = BuildMetadata(connection);
                foreach ((string path, int matched) in ResolveInputFiles())
                {
                    FileCandidate? candidate = CandidateFor(path, metadata, matched);
                    if (candidate is null || !PassesLocalChecksForWhatIf(candidate))
                    {
                        continue;
                    }

                    string sentAs = candidate.FileName == candidate.OriginalFileName ? string.Empty : $" as '{candidate.FileName}'";
                    if (!ShouldProcess(path, Describe($"Upload{sentAs} to Genesys Cloud conversation {ConversationId}")))
                    {
                        Count(s => s.Skipped++);
                        continue;
                    }

                    CreateTransferRequest request;
                    try
                    {
                        request = new CreateTransferRequest(candidate, ConversationId, CommunicationId, EffectivePolicy) { CorrelationId = CorrelationId, StartNew = Force };
                    }
                    catch (ArgumentException ex)
                    {
                        ReportInputError(new ErrorRecord(ex, ErrorIds.FileValidationFailed, ErrorCategory.InvalidArgument, path) { ErrorDetails = new ErrorDetails(candidate.FileName + ": " + ErrorRecords.PlainMessage(ex)) });
                        continue;
                    }

                    long length = LengthOf(path);
                    _collected.Add(new PendingSend(request.File.FileName, length, request.ConversationId, path, (options, observer, stop) => connection.Sender.SendAsync(request, options, observer, stop)));
                }

                return;
            }

            if (!MyInvocation.ExpectingInput && !_totalKnown)
            {
                // An array given as -Transfer: the whole batch is known now.
                _totalKnown = true;
                _progress!.SetTotal(Transfer.Length, Transfer.Sum(t => t.Length));
            }

            foreach (FileTransfer transfer in Transfer)
            {
                if (ShouldProcess($"{transfer.FileName} ({transfer.TransferId})", Describe($"Upload {transfer.Length} bytes to Genesys Cloud conversation {transfer.ConversationId}")))
                {
                    Start(new PendingSend(transfer.FileName, transfer.Length, transfer.ConversationId, transfer, (options, observer, stop) => connection.Sender.SendAsync(transfer, options, observer, stop)));
                }
                else
                {
                    Count(s => s.Skipped++);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_collected.Count > 0)
            {
                _progress!.SetTotal(_collected.Count, _collected.Sum(p => Math.Max(0, p.Length)));
                foreach (PendingSend pending in _collected)
                {
                    Start(pending);
                }

                _collected.Clear();
            }

            WaitForAllWork();
            foreach (KeyValuePair<string, int> stopped in _stoppedConversations.Where(p => p.Value > 0))
            {
                WriteWarning($"{stopped.Value} more {(stopped.Value == 1 ? "file" : "files")} for conversation {stopped.Key} {(stopped.Value == 1 ? "was" : "were")} not sent: every file would get the same error as the first one. Fix it and run the same command again; files already sent are not sent twice.");
            }

            _clock.Stop();
            SendSummary summary;
            lock (_summary)
            {
                _summary.Elapsed = _clock.Elapsed;
                _summary.BytesUploaded = _progress!.BytesUploaded;
                summary = _summary;
            }

            if (summary.Total > 0)
            {
                HostInformation.Write(this, "Send-GcFile: " + summary, "Summary");
            }

            if (SummaryVariable != null)
            {
                SessionState.PSVariable.Set(SummaryVariable, summary);
            }
        }

        /// <summary>An error about one input (before anything was sent) is one failed file in the summary.</summary>
        protected override void ReportInputError(ErrorRecord record)
        {
            AddFailure(record);
            base.ReportInputError(record);
        }

        private string Describe(string action) => Deliver ? action + " and deliver it into the conversation" : Wait ? action + " and wait for Genesys to validate it" : action;

        private static long LengthOf(string path)
        {
            try
            {
                return new System.IO.FileInfo(path).Length;
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                return 0;
            }
        }

        private void Count(Action<SendSummary> change)
        {
            lock (_summary)
            {
                change(_summary);
            }
        }

        private void AddFailure(ErrorRecord record)
        {
            object? target = record.TargetObject;
            var transfer = target as FileTransfer;
            string? path = transfer?.Path ?? target as string;
            string name = transfer?.FileName ?? (path is null ? "?" : System.IO.Path.GetFileName(path));
            var failure = new SendFailure(name, path, transfer?.TransferId, record.FullyQualifiedErrorId.Split(',')[0], record.ErrorDetails?.Message ?? record.Exception.Message);
            Count(s => s.AddFailure(failure));
        }

        private void Start(PendingSend pending)
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
                    if (_stoppedConversations.TryGetValue(pending.ConversationId, out _))
                    {
                        // The same conversation already answered with an error every file would get: not one more request.
                        _stoppedConversations.AddOrUpdate(pending.ConversationId, 1, (_, n) => n + 1);
                        Count(s => s.Skipped++);
                        return;
                    }

                    TransferProgress.FileBar bar = _progress!.Start(pending.FileName, pending.Length);
                    var observer = new Observer(queue, bar, fromPath);
                    try
                    {
                        bar.Stage("validating and recording the transfer");
                        FileTransfer sent = await pending.Send(options, observer, stop).ConfigureAwait(false);
                        if (sent.Status == TransferStatus.Invalid)
                        {
                            // Media Genesys marked invalid is a result, reported as an error record (a rerun says it again).
                            ErrorRecord invalid = ErrorRecords.Invalid(sent);
                            AddFailure(invalid);
                            if (!observer.ReportedInvalid)
                            {
                                queue.Error(invalid);
                            }

                            return;
                        }

                        if (sent.Reconciled)
                        {
                            queue.Verbose($"{sent.FileName}: the conversation already holds message {sent.MessageId} with media {sent.MediaId}; recorded as delivered without sending again.");
                        }
                        else if (sent.Status == TransferStatus.Delivered && Deliver && observer.InitialStatus != TransferStatus.Delivered)
                        {
                            queue.Verbose($"{sent.FileName}: delivered as message {sent.MessageId}.");
                        }

                        Count(s =>
                        {
                            if (observer.InitialStatus == sent.Status)
                            {
                                s.AlreadyDone++;
                            }
                            else if (sent.Status == TransferStatus.Delivered)
                            {
                                s.Delivered++;
                            }
                            else
                            {
                                s.Uploaded++;
                            }
                        });
                        queue.Output(sent);
                    }
                    finally
                    {
                        bar.Complete();
                    }
                },
                ex => Failed(ex, pending));
        }

        /// <summary>
        /// The error record for a file that failed. An error every file of the same conversation would get (404 for the
        /// conversation, 403) stops that conversation's other files: reported once, and the rest counted as skipped.
        /// </summary>
        private ErrorRecord? Failed(Exception ex, PendingSend pending)
        {
            bool conversationLevel = ErrorRecords.IsConversationLevel(ex);
            if (conversationLevel && !_stoppedConversations.TryAdd(pending.ConversationId, 0))
            {
                // Another file of the batch already reported it (it was in flight at the same time).
                _stoppedConversations.AddOrUpdate(pending.ConversationId, 1, (_, n) => n + 1);
                Count(s => s.Skipped++);
                return null;
            }

            ErrorRecord record = ErrorRecords.From(ex, pending.Target);
            if (conversationLevel && record.ErrorDetails != null)
            {
                record.ErrorDetails = new ErrorDetails(record.ErrorDetails.Message + $" The other files for conversation {pending.ConversationId} are not sent in this run.")
                {
                    RecommendedAction = record.ErrorDetails.RecommendedAction,
                };
            }

            AddFailure(record);
            return record;
        }

        /// <summary>One file (or transfer) to send, known before its work starts.</summary>
        private sealed class PendingSend
        {
            public PendingSend(string fileName, long length, string conversationId, object target, Func<SendOptions, ISendObserver, CancellationToken, Task<FileTransfer>> send)
            {
                FileName = fileName;
                Length = length;
                ConversationId = conversationId;
                Target = target;
                Send = send;
            }

            public string FileName { get; }
            public long Length { get; }
            public string ConversationId { get; }

            /// <summary>The path or the transfer: the error record's target.</summary>
            public object Target { get; }
            public Func<SendOptions, ISendObserver, CancellationToken, Task<FileTransfer>> Send { get; }
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

            /// <summary>The state the transfer was in when this call took it (Delivered: an earlier run delivered it).</summary>
            public TransferStatus? InitialStatus { get; private set; }

            public void Opened(FileTransfer transfer)
            {
                InitialStatus ??= transfer.Status;
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
