using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands
{
    /// <summary>
    /// Finds transfers in the journal, those of earlier sessions included: by id, status, file, conversation or date.
    /// Reads the connection's journal, a journal named by -JournalPath, or (not connected) the per-user default.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "GcFileTransfer", HelpUri = HelpLinks.CmdletHelp + "Get-GcFileTransfer.md")]
    [OutputType(typeof(FileTransfer))]
    public sealed class GetGcFileTransferCommand : PSCmdlet, IDisposable
    {
        private ITransferJournal? _ownJournal;
        private Func<TransferQuery, IReadOnlyList<FileTransfer>>? _query;
        private Func<Guid, bool>? _exists;

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(Completion.TransferIdCompleter))]
        public Guid[]? TransferId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public TransferStatus[]? Status { get; set; }

        /// <summary>A full or relative path (matched as a full path), or a file name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string? Path { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(Completion.ConversationIdCompleter))]
        public string? ConversationId { get; set; }

        /// <summary>Only transfers created at or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>At most this many transfers, newest first.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? First { get; set; }

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
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        protected override void BeginProcessing()
        {
            GenesysConnection? connection = Connection ?? SessionConnection.Get(this);
            var choice = new JournalChoice(JournalPath, JournalConnectionString, JournalCredential);
            if (!choice.IsNamed && connection != null)
            {
                _query = connection.Lookup.Query;
                _exists = id => connection.Lookup.TryGet(id, out _);
                return;
            }

            // Not connected (or -JournalPath): the journal file itself; none yet means nothing was ever recorded.
            ITransferJournal? found = JournalResolver.Open(this, choice, connection: null, createIfMissing: false, out _ownJournal);
            if (found is null)
            {
                _query = _ => Array.Empty<FileTransfer>();
                _exists = _ => false;
                return;
            }

            ITransferJournal journal = _ownJournal!;
            WriteVerbose($"Reading the transfer journal '{journal.Location}'.");
            _query = query => TransferLookup.Query(journal, query);
            _exists = id => journal.Transfers.GetTransfer(id) != null;
        }

        protected override void ProcessRecord()
        {
            try
            {
                if (TransferId is null || TransferId.Length == 0)
                {
                    IReadOnlyList<FileTransfer> all = Find(null);
                    if (all.Count == 0 && Path != null)
                    {
                        WriteVerbose($"No transfer in the journal matches -Path '{Path}' (a file name, a full path, or a wildcard such as 's-*' or '*.pdf', matched against the name sent, the name on disk and the full path).");
                    }

                    WriteTransfers(all);
                    return;
                }

                foreach (Guid id in TransferId)
                {
                    IReadOnlyList<FileTransfer> found = Find(id);
                    if (found.Count == 0 && !_exists!(id))
                    {
                        WriteError(new ErrorRecord(
                            new ArgumentException($"The transfer journal has no transfer {id}."),
                            ErrorIds.TransferNotFound,
                            ErrorCategory.ObjectNotFound,
                            id));
                    }

                    WriteTransfers(found);
                }
            }
            catch (TransferJournalException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.ReadError, ex.Location));
            }
        }

        protected override void EndProcessing() => Dispose();

        public void Dispose()
        {
            _ownJournal?.Dispose();
            _ownJournal = null;
        }

        /// <summary>One query per status (the journal filters on one), merged newest first and cut to -First.</summary>
        private IReadOnlyList<FileTransfer> Find(Guid? transferId)
        {
            // A wildcard is matched here, against the name sent, the name on disk and the full path; the store only
            // matches exact names, so it is asked without the file filter (and without the limit, applied after).
            WildcardPattern? pattern = Path != null && WildcardPattern.ContainsWildcardCharacters(Path)
                ? new WildcardPattern(FileFilter(Path), WildcardOptions.IgnoreCase)
                : null;
            string? file = Path is null || pattern != null ? null : FileFilter(Path);
            IEnumerable<string?> statuses = Status is null || Status.Length == 0 ? new string?[] { null } : Status.Distinct().Select(s => (string?)s.ToString());
            IEnumerable<FileTransfer> found = statuses.SelectMany(status => _query!(new TransferQuery
            {
                TransferId = transferId,
                Status = status,
                File = file,
                ConversationId = ConversationId,
                Since = Since is DateTime since ? new DateTimeOffset(since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(since, DateTimeKind.Local) : since) : (DateTimeOffset?)null,
                Limit = pattern is null ? First : null,
            }));
            if (pattern != null)
            {
                found = found.Where(t => pattern.IsMatch(t.FileName) || pattern.IsMatch(t.OriginalFileName) || (t.Path != null && pattern.IsMatch(t.Path)));
            }

            found = found.OrderByDescending(t => t.CreatedAt);
            return (First is int first ? found.Take(first) : found).ToArray();
        }

        /// <summary>A bare name matches file names; anything with a folder in it is made a full path first.</summary>
        private string FileFilter(string value) =>
            value.IndexOfAny(new[] { System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar }) < 0
                ? value
                : GetUnresolvedProviderPathFromPSPath(value);

        private void WriteTransfers(IEnumerable<FileTransfer> transfers)
        {
            foreach (FileTransfer transfer in transfers)
            {
                WriteObject(transfer);
            }
        }
    }
}
