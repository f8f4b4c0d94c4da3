using System;
using System.Linq;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Documents;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// What the outbox commands share: the journal and audit log (resolved like every other command), the engine's
    /// <see cref="OutboxAdministration"/> over them, and the error record of a refused change.
    /// </summary>
    public abstract class OutboxDocumentCmdlet : PSCmdlet, IDisposable
    {
        private ITransferJournal? _ownJournal;
        private AuditLog? _ownAudit;

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
        [ValidateNotNullOrEmpty]
        public string? AuditLogPath { get; set; }

        /// <summary>Null when there is no journal yet (nothing was ever queued).</summary>
        internal OutboxAdministration? Administration { get; private set; }

        internal string? JournalLocation { get; private set; }

        protected override void BeginProcessing()
        {
            GenesysConnection? connection = SessionConnection.Get(this);
            ITransferJournal? journal = JournalResolver.Open(this, new JournalChoice(JournalPath, JournalConnectionString, JournalCredential), connection, createIfMissing: false, out _ownJournal);
            if (journal is null)
            {
                return;
            }

            JournalLocation = journal.Location;
            AuditLog audit = JournalResolver.OpenAudit(this, AuditLogPath, connection, DocumentErrorIds.AuditLogUnavailable, out _ownAudit, journal);
            Administration = new OutboxAdministration(journal.Outbox, audit, correlationId: Guid.NewGuid().ToString());
        }

        protected override void EndProcessing() => Dispose();

        public void Dispose()
        {
            JournalResolver.Close(_ownAudit, _ownJournal);
            _ownAudit = null;
            _ownJournal = null;
        }

        internal static ErrorRecord Refused(OutboxAdministrationException ex, string action)
        {
            ErrorCategory category = ex.ErrorId == OutboxAdministration.DocumentNotFound ? ErrorCategory.ObjectNotFound
                : ex.ErrorId == OutboxAdministration.DocumentLeased ? ErrorCategory.ResourceBusy
                : ex.ErrorId == OutboxAdministration.AbandonReasonMissing ? ErrorCategory.InvalidArgument
                : ErrorCategory.InvalidOperation;
            string recommended = ex.ErrorId == OutboxAdministration.DocumentNotFound
                ? "List the document keys with Get-GcFileTransferDocument, and pass -JournalPath when the document was queued in another journal."
                : ex.ErrorId == OutboxAdministration.DocumentLeased
                    ? $"A sync run is archiving it now; {action} it again after the lease, if it is still needed."
                    : ex.ErrorId == OutboxAdministration.AbandonReasonMissing
                        ? "Pass -Reason with why the document is given up."
                        : "Nothing to do: archived and abandoned documents are final.";
            return new ErrorRecord(ex, ex.ErrorId, category, ex.DocumentKey)
            {
                ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = recommended },
            };
        }

        internal ErrorRecord NoJournal(string documentKey) => Refused(
            new OutboxAdministrationException(OutboxAdministration.DocumentNotFound, documentKey, $"There is no document '{documentKey}': no transfer journal exists yet at the default path."),
            "change");
    }

    /// <summary>Lists the journal's document outbox: what waits, what was archived, what is missing its source or was abandoned.</summary>
    [Cmdlet(VerbsCommon.Get, "GcFileTransferDocument", DefaultParameterSetName = "All", HelpUri = HelpLinks.CmdletHelp + "Get-GcFileTransferDocument.md")]
    [OutputType(typeof(OutboxDocument))]
    public sealed class GetGcFileTransferDocumentCommand : OutboxDocumentCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? DocumentKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.TransferIdCompleter))]
        public Guid[]? TransferId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public OutboxState[]? State { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (Administration is null)
                {
                    foreach (string key in DocumentKey ?? Array.Empty<string>())
                    {
                        WriteError(NoJournal(key));
                    }

                    return;
                }

                var filter = new OutboxFilter { DocumentKeys = DocumentKey, TransferIds = TransferId, States = State };
                var found = Administration.Find(filter);
                foreach (string key in DocumentKey ?? Array.Empty<string>())
                {
                    if (!found.Any(d => d.DocumentKey == key) && Administration.Find(new OutboxFilter { DocumentKeys = new[] { key } }).Count == 0)
                    {
                        WriteError(Refused(
                            new OutboxAdministrationException(OutboxAdministration.DocumentNotFound, key, $"The outbox of '{JournalLocation}' has no document '{key}'."),
                            "look"));
                    }
                }

                WriteObject(found, enumerateCollection: true);
            }
            catch (TransferJournalException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.ReadError, ex.Location));
            }
        }
    }

    /// <summary>Puts outbox documents back to pending, due now: a retry without waiting, or a source-missing document whose file is back.</summary>
    [Cmdlet(VerbsCommon.Reset, "GcFileTransferDocument", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.CmdletHelp + "Reset-GcFileTransferDocument.md")]
    [OutputType(typeof(OutboxDocument))]
    public sealed class ResetGcFileTransferDocumentCommand : OutboxDocumentCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] DocumentKey { get; set; } = Array.Empty<string>();

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string key in DocumentKey)
            {
                if (!ShouldProcess(key, "Put the document back in the outbox, due now"))
                {
                    continue;
                }

                try
                {
                    OutboxDocument document = Administration?.Reset(key) ?? throw new OutboxAdministrationException(OutboxAdministration.DocumentNotFound, key, $"There is no document '{key}': no transfer journal exists yet at the default path.");
                    WriteVerbose($"{key} is pending again, due now.");
                    if (PassThru)
                    {
                        WriteObject(document);
                    }
                }
                catch (OutboxAdministrationException ex)
                {
                    WriteError(Refused(ex, "reset"));
                }
                catch (TransferJournalException ex)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.WriteError, key));
                }
            }
        }
    }

    /// <summary>Abandons outbox documents on purpose: they are never archived, and the journal and audit log say who and why.</summary>
    [Cmdlet(VerbsCommon.Skip, "GcFileTransferDocument", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.CmdletHelp + "Skip-GcFileTransferDocument.md")]
    [OutputType(typeof(OutboxDocument))]
    public sealed class SkipGcFileTransferDocumentCommand : OutboxDocumentCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] DocumentKey { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Reason { get; set; } = string.Empty;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string key in DocumentKey)
            {
                if (!ShouldProcess(key, $"Abandon the document: it will never be archived (reason: {Reason})"))
                {
                    continue;
                }

                try
                {
                    OutboxDocument document = Administration?.Abandon(key, Reason) ?? throw new OutboxAdministrationException(OutboxAdministration.DocumentNotFound, key, $"There is no document '{key}': no transfer journal exists yet at the default path.");
                    WriteVerbose($"{key} is abandoned by {document.ChangedBy}: {document.Reason}");
                    if (PassThru)
                    {
                        WriteObject(document);
                    }
                }
                catch (OutboxAdministrationException ex)
                {
                    WriteError(Refused(ex, "abandon"));
                }
                catch (TransferJournalException ex)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.WriteError, key));
                }
            }
        }
    }
}
