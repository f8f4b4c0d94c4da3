using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Drains the journal's document outbox into a document-management store (a folder or share, or an S3 bucket):
    /// one output object per archived document; a document that fails is a non-terminating error and waits in the
    /// outbox for the next run with backoff.
    /// </summary>
    [Cmdlet(VerbsData.Sync, "GcFileTransferDocument", DefaultParameterSetName = FolderSet, SupportsShouldProcess = true, HelpUri = HelpLinks.CmdletHelp + "Sync-GcFileTransferDocument.md")]
    [OutputType(typeof(ArchivedDocument))]
    public sealed partial class SyncGcFileTransferDocumentCommand : AsyncPSCmdlet
    {
        private const string FolderSet = "Folder";
        private const string S3Set = "S3";
        private const int ProgressActivityId = 1;
        private const string Activity = "Archiving documents";

        /// <summary>A folder or UNC share; documents go to &lt;Destination&gt;/&lt;key path&gt;/&lt;name&gt; with a .metadata.json sidecar.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = FolderSet)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>The bucket for documents whose storage bucket reference is not in -S3BucketMap.</summary>
        [Parameter(ParameterSetName = S3Set)]
        [ValidateNotNullOrEmpty]
        public string? S3Bucket { get; set; }

        /// <summary>Storage bucket reference (UUID) to bucket name.</summary>
        [Parameter(ParameterSetName = S3Set)]
        [ValidateNotNull]
        public Hashtable? S3BucketMap { get; set; }

        /// <summary>An S3-compatible endpoint, addressed path-style; AWS itself when absent.</summary>
        [Parameter(ParameterSetName = S3Set)]
        [ValidateNotNull]
        public Uri? S3ServiceUrl { get; set; }

        [Parameter(ParameterSetName = S3Set)]
        [ValidateNotNullOrEmpty]
        public string? S3Region { get; set; }

        /// <summary>User name = access key id, password = secret access key; the SDK's default credentials when absent.</summary>
        [Parameter(ParameterSetName = S3Set)]
        [Credential]
        [ValidateNotNull]
        public PSCredential? S3Credential { get; set; }

        [Parameter(ParameterSetName = S3Set)]
        [ValidateNotNullOrEmpty]
        public string? S3KeyPrefix { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>A PostgreSQL journal shared by several processes and machines (an Npgsql connection string).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalConnectionString { get; set; }

        /// <summary>The journal database's user (when not empty) and password.</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? JournalCredential { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? MaxItems { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AuditLogPath { get; set; }

        /// <summary>Scan every document before it is stored (tcp://host:3310, unix:///path, defender); the connection's scanner when absent.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MalwareScanner { get; set; }

        /// <summary>More hosts callback attachments may be downloaded from, besides the connected region's Genesys domain (host, *.domain, or an IP literal to allow that internal address).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AllowedDownloadHost { get; set; }

        protected override void ProcessRecord()
        {
            GenesysConnection? connection = SessionConnection.Get(this);
            ITransferJournal? ownJournal = null;
            AuditLog? ownAudit = null;
            IDocumentSink? sink = null;
            try
            {
                // Parameters first: a mistake in them is reported even when there is nothing to archive yet.
                sink = CreateSink();
                Engine.Scanning.IMalwareScanner? scanner = connection?.MalwareScanner;
                DownloadPolicy downloads;
                try
                {
                    if (MalwareScanner != null)
                    {
                        scanner = Engine.Scanning.MalwareScannerAddress.Parse(MalwareScanner);
                    }

                    downloads = DownloadPolicy.ForGenesys(connection?.Environment, AllowedDownloadHost);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, DocumentErrorIds.DocumentSinkInvalid, ErrorCategory.InvalidArgument, (object?)MalwareScanner ?? AllowedDownloadHost));
                    throw;
                }

                ITransferJournal? journal = JournalResolver.Open(this, new JournalChoice(JournalPath, JournalConnectionString, JournalCredential), connection, createIfMissing: false, out ownJournal);
                if (journal is null)
                {
                    return;
                }

                AuditLog audit = JournalResolver.OpenAudit(this, AuditLogPath, connection, DocumentErrorIds.AuditLogUnavailable, out ownAudit, journal);
                // With a connection, a delivered file that is gone locally is fetched again from Genesys.
                var archiver = new DocumentArchiver(
                    journal.Outbox,
                    sink,
                    audit,
                    new DocumentArchiverOptions { CorrelationId = CorrelationId, StagingDirectory = StagingFolder(journal), MalwareScanner = scanner, DownloadPolicy = downloads },
                    transfers: journal.Transfers,
                    mediaLocator: connection?.MediaLocator);
                IReadOnlyList<OutboxItem> due = archiver.DueItems(MaxItems);
                WriteVerbose($"{due.Count} document(s) due in the outbox of '{journal.Location}'; archiving into {sink.Description}; malware scanner: {scanner?.Description ?? "none"}; download hosts: {(downloads.AllowedHosts.Count == 0 ? "none" : string.Join(", ", downloads.AllowedHosts))}.");
                if (due.Count == 0)
                {
                    ExplainNothingDue(journal, audit);
                    return;
                }

                if (!Approve(due, sink, journal))
                {
                    return;
                }

                int expected = due.Count;
                DocumentDrainSummary summary = Run((queue, stop) =>
                {
                    int done = 0;
                    Report(queue, 0, expected, "starting");
                    return archiver.DrainAsync(
                        MaxItems,
                        outcome =>
                        {
                            done++;
                            Publish(queue, outcome);
                            Report(queue, done, Math.Max(expected, done), outcome.DocumentKey);
                        },
                        stop);
                });

                if (summary.StoppedBecause != null)
                {
                    WriteWarning(summary.StoppedBecause);
                }

                WriteVerbose($"Archived {summary.Archived}, failed {summary.Failed} (waiting in the outbox for another attempt), source missing {summary.SourceMissing} (set aside until reset), quarantined {summary.Quarantined} (malware found; not archived).");
            }
            catch (TransferJournalException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.ResourceUnavailable, ex.Location));
            }
            finally
            {
                sink?.Dispose();
                JournalResolver.Close(ownAudit, ownJournal);
            }
        }

        private IDocumentSink CreateSink()
        {
            try
            {
                if (ParameterSetName == FolderSet)
                {
                    ProviderInfo provider;
                    string folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination, out provider, out _);
                    if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                    {
                        throw new ArgumentException($"-Destination '{Destination}' is not a file-system path.");
                    }

                    return new FileSystemDocumentSink(folder);
                }

                if (IsAzureBlobSet)
                {
                    return CreateAzureBlobSink();
                }

                var options = new S3DocumentSinkOptions
                {
                    ServiceUrl = S3ServiceUrl,
                    Region = S3Region,
                    DefaultBucket = S3Bucket,
                    KeyPrefix = S3KeyPrefix,
                    AccessKeyId = S3Credential?.UserName,
                    SecretAccessKey = S3Credential?.Password,
                };
                if (S3BucketMap != null)
                {
                    foreach (DictionaryEntry entry in S3BucketMap)
                    {
                        string? bucket = entry.Value?.ToString();
                        if (!Guid.TryParse(entry.Key?.ToString(), out Guid reference) || string.IsNullOrWhiteSpace(bucket))
                        {
                            throw new ArgumentException($"-S3BucketMap entry '{entry.Key}' must map a storage bucket reference (a UUID) to a bucket name.");
                        }

                        options.BucketMap[reference] = bucket!;
                    }
                }

                return new S3DocumentSink(options);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, DocumentErrorIds.DocumentSinkInvalid, ErrorCategory.InvalidArgument, (object?)Destination ?? S3ServiceUrl ?? (object?)S3Bucket ?? AzureBlobTarget));
                throw;
            }
        }

        /// <summary>
        /// Documents are staged beside the journal they come from: that folder is already the user's (or the job's)
        /// own state, where the shared system temp folder is readable by others.
        /// </summary>
        private static string? StagingFolder(ITransferJournal journal)
        {
            string? folder = File.Exists(journal.Location) ? Path.GetDirectoryName(journal.Location) : null;
            return folder is null ? null : Path.Combine(folder, "document-staging");
        }

        /// <summary>
        /// A run with nothing due says what waits and until when (documents back off after a failure), and how to try
        /// them now, instead of ending silently while the user has just fixed the sink.
        /// </summary>
        private void ExplainNothingDue(ITransferJournal journal, AuditLog audit)
        {
            var administration = new OutboxAdministration(journal.Outbox, audit, correlationId: CorrelationId);
            var waiting = administration.Find(new OutboxFilter { States = new[] { OutboxState.Pending } })
                .Where(d => d.NextAttemptAt != null)
                .OrderBy(d => d.NextAttemptAt)
                .ToList();
            if (waiting.Count == 0)
            {
                return;
            }

            OutboxDocument next = waiting[0];
            HostInformation.Write(
                this,
                $"Nothing is due: {waiting.Count} {(waiting.Count == 1 ? "document waits" : "documents wait")} in the outbox after a failed attempt; the next ('{next.DocumentKey}') is tried again from {HostInformation.Time(next.NextAttemptAt!.Value)}. "
                    + "To try them now: Get-GcFileTransferDocument -State Pending | Reset-GcFileTransferDocument, then run this command again.",
                "NothingDue");
        }

        /// <summary>
        /// -WhatIf lists each document that would be archived; otherwise one confirmation for the run, since the
        /// outbox hands items out one at a time and other workers may take some of them meanwhile.
        /// </summary>
        private bool Approve(IReadOnlyList<OutboxItem> due, IDocumentSink sink, ITransferJournal journal)
        {
            if (IsWhatIf())
            {
                foreach (OutboxItem item in due)
                {
                    ShouldProcess($"{item.DocumentKey} ({item.FileName})", $"Archive into {sink.Description}");
                }

                return false;
            }

            return ShouldProcess(sink.Description, $"Archive the due documents ({due.Count} now) from the outbox of '{journal.Location}'");
        }

        private bool IsWhatIf()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? bound))
            {
                return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            }

            return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        }

        /// <summary>An archived document goes to the output; a failure becomes a non-terminating error, and the run goes on.</summary>
        private static void Publish(PipelineQueue queue, DocumentArchiveOutcome outcome)
        {
            if (outcome.Document is ArchivedDocument document)
            {
                queue.Verbose($"{document.DocumentKey}: {(document.AlreadyStored ? "already stored at" : "archived to")} {document.Location} ({document.Latency.TotalSeconds:0.0} s after receipt).");
                queue.Output(document);
            }
            else if (outcome.LeaseLost)
            {
                queue.Verbose($"{outcome.DocumentKey}: stored, but another worker had taken the item over and records it.");
            }
            else if (outcome.Error != null)
            {
                queue.Error(DocumentErrorIds.Record(outcome.Error, outcome.DocumentKey, outcome.NextAttemptAt, outcome.SourceMissing));
            }
        }

        private static void Report(PipelineQueue queue, int done, int total, string current)
        {
            if (!queue.ProgressEnabled)
            {
                return;
            }

            queue.Progress(new ProgressRecord(ProgressActivityId, Activity, $"{done} of {total} documents")
            {
                CurrentOperation = current,
                PercentComplete = total == 0 ? 100 : Math.Min(100, done * 100 / total),
            });
        }
    }

    /// <summary>
    /// Error ids of document-management sync. A per-document error's id is the engine's stable failure code
    /// (DocumentConflict, DocumentSinkUnavailable, …), so scripts filter on the same word the audit log records.
    /// </summary>
    internal static class DocumentErrorIds
    {
        public const string DocumentSinkInvalid = nameof(DocumentSinkInvalid);
        public const string AuditLogUnavailable = nameof(AuditLogUnavailable);

        public static ErrorRecord Record(DocumentArchiveException error, string documentKey, DateTimeOffset? nextAttemptAt, bool sourceMissing = false)
        {
            var record = new ErrorRecord(error, error.ErrorCode, CategoryOf(error), documentKey);
            if (error is DocumentQuarantinedException)
            {
                record.ErrorDetails = new ErrorDetails(error.Message + " It is set aside as Quarantined and never archived.")
                {
                    RecommendedAction = $"Do not open the file; tell your security team. Get-GcFileTransferDocument -State Quarantined lists it with the signature; a quarantined document stays so and is never archived.",
                };
            }
            else if (sourceMissing)
            {
                record.ErrorDetails = new ErrorDetails(error.Message + " It is set aside as SourceMissing and not tried again until it is reset.")
                {
                    RecommendedAction = $"Put the file back (same content), or connect to Genesys Cloud while it still serves the media, then run Reset-GcFileTransferDocument '{documentKey}'; or give it up with Skip-GcFileTransferDocument '{documentKey}' -Reason <why>.",
                };
            }
            else if (nextAttemptAt is DateTimeOffset next)
            {
                record.ErrorDetails = new ErrorDetails(error.Message)
                {
                    RecommendedAction = error.IsTransient
                        ? $"Nothing to do: the document waits in the outbox and is tried again from {HostInformation.Time(next)}; to try it sooner, run Reset-GcFileTransferDocument '{documentKey}'."
                        : $"Fix the cause; the document waits in the outbox and is tried again from {HostInformation.Time(next)}. Once fixed, Reset-GcFileTransferDocument '{documentKey}' (or Get-GcFileTransferDocument -State Pending | Reset-GcFileTransferDocument) makes it due now.",
                };
            }

            return record;
        }

        private static ErrorCategory CategoryOf(DocumentArchiveException error)
        {
            switch (error)
            {
                case DocumentQuarantinedException _:
                    return ErrorCategory.SecurityError;
                case DocumentConflictException _:
                    return ErrorCategory.ResourceExists;
                case DocumentIntegrityException _:
                    return ErrorCategory.InvalidData;
                case DocumentSinkUnavailableException _:
                    return ErrorCategory.ResourceUnavailable;
                case DocumentSourceException source when source.NotFound:
                    return ErrorCategory.ObjectNotFound;
                case DocumentSourceException source:
                    return source.IsTransient ? ErrorCategory.ConnectionError
                        : source.ErrorCode == "DocumentTooLarge" ? ErrorCategory.LimitsExceeded
                        : ErrorCategory.PermissionDenied;
            }

            switch (error.ErrorCode)
            {
                case "MalwareScannerUnavailable":
                    return ErrorCategory.ResourceUnavailable;
                case "FileTooLargeToScan":
                    return ErrorCategory.LimitsExceeded;
                case "DocumentSinkAccessDenied":
                    return ErrorCategory.PermissionDenied;
                case "DocumentBucketNotFound":
                    return ErrorCategory.ObjectNotFound;
                case "DocumentBucketUnmapped":
                case "DocumentSinkConfiguration":
                    return ErrorCategory.InvalidArgument;
                case "DocumentSidecarDamaged":
                case "DocumentUploadDamaged":
                    return ErrorCategory.InvalidData;
                default:
                    return ErrorCategory.InvalidOperation;
            }
        }
    
}
}
