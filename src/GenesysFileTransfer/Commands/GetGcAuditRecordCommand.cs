using System;
using System.Collections.Generic;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Reads the audit trail a shared (PostgreSQL) journal keeps, by transfer, conversation, correlation id, operation
    /// and time: the records of every process and machine that used the journal, sandboxed runbooks included.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "GcAuditRecord", HelpUri = HelpLinks.CmdletHelp + "Get-GcAuditRecord.md")]
    [OutputType(typeof(PSObject))]
    public sealed class GetGcAuditRecordCommand : PSCmdlet, IDisposable
    {
        internal const string AuditStoreUnavailable = nameof(AuditStoreUnavailable);
        internal const string TypeName = "GenesysFileTransfer.AuditRecord";
        private ITransferJournal? _ownJournal;
        private IAuditRecordStore? _store;

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(Completion.TransferIdCompleter))]
        public Guid[]? TransferId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? ConversationId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CorrelationId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Operation { get; set; }

        /// <summary>Records written at or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>Records written before this time.</summary>
        [Parameter]
        public DateTime? Until { get; set; }

        /// <summary>Only the newest this many records (still listed oldest first).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Newest { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalConnectionString { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? JournalCredential { get; set; }

        protected override void BeginProcessing()
        {
            GenesysConnection? connection = SessionConnection.Get(this);
            ITransferJournal? journal = JournalResolver.Open(this, new JournalChoice(null, JournalConnectionString, JournalCredential), connection, createIfMissing: false, out _ownJournal);
            _store = journal as IAuditRecordStore;
            if (_store is null)
            {
                string where = journal is null ? "There is no journal" : $"The journal '{journal.Location}' keeps no audit records";
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"{where}: only a PostgreSQL journal does. Pass -JournalConnectionString (or set GENESYS_JOURNAL_CONNECTION, or connect with one); a SQLite journal's audit records are in the daily files of the audit folder, (Get-GcConnection).AuditLogDirectory."),
                    AuditStoreUnavailable,
                    ErrorCategory.ResourceUnavailable,
                    journal?.Location));
            }

            WriteVerbose($"Reading audit records from the journal '{journal!.Location}'.");
        }

        protected override void ProcessRecord()
        {
            var queries = new List<AuditQuery>();
            foreach (Guid? id in TransferId is null || TransferId.Length == 0 ? new Guid?[] { null } : Array.ConvertAll(TransferId, t => (Guid?)t))
            {
                queries.Add(new AuditQuery
                {
                    TransferId = id,
                    ConversationId = ConversationId,
                    CorrelationId = CorrelationId,
                    Operation = Operation,
                    Since = Since is DateTime since ? new DateTimeOffset(since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(since, DateTimeKind.Local) : since) : (DateTimeOffset?)null,
                    Until = Until is DateTime until ? new DateTimeOffset(until.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(until, DateTimeKind.Local) : until) : (DateTimeOffset?)null,
                    Newest = Newest,
                });
            }

            foreach (AuditQuery query in queries)
            {
                IReadOnlyList<StoredAuditRecord> found;
                try
                {
                    found = _store!.QueryAudit(query);
                }
                catch (TransferJournalException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.ReadError, ex.Location));
                    return;
                }

                foreach (StoredAuditRecord record in found)
                {
                    WriteObject(ToObject(record));
                }
            }
        }

        protected override void EndProcessing() => Dispose();

        public void Dispose()
        {
            JournalResolver.Close(null, _ownJournal);
            _ownJournal = null;
        }

        /// <summary>The record's JSON fields as properties (camelCase, as in the file), plus where it came from.</summary>
        internal static PSObject ToObject(StoredAuditRecord record)
        {
            var result = new PSObject();
            result.TypeNames.Insert(0, TypeName);
            result.Properties.Add(new PSNoteProperty("RecordId", record.RecordId));
            result.Properties.Add(new PSNoteProperty("Time", record.Time));
            foreach (KeyValuePair<string, object?> field in record.Fields())
            {
                if (field.Key != "time")
                {
                    result.Properties.Add(new PSNoteProperty(field.Key, field.Value));
                }
            }

            result.Properties.Add(new PSNoteProperty("Host", record.Host));
            result.Properties.Add(new PSNoteProperty("Json", record.Json));
            return result;
        }
    }
}
