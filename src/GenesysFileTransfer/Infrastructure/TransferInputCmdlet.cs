using System;
using System.Management.Automation;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>Commands that act on existing transfers: by object from the pipeline, or by TransferId.</summary>
    public abstract class TransferInputCmdlet : AsyncPSCmdlet
    {
        protected const string TransferSet = "Transfer";
        protected const string TransferIdSet = "TransferId";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TransferSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public FileTransfer[] Transfer { get; set; } = Array.Empty<FileTransfer>();

        [Parameter(Mandatory = true, ParameterSetName = TransferIdSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(Completion.TransferIdCompleter))]
        public Guid[] TransferId { get; set; } = Array.Empty<Guid>();

        [Parameter]
        [ValidateNotNull]
        public GenesysConnection? Connection { get; set; }

        /// <summary>The transfers named by this pipeline item; an unknown id is a non-terminating error.</summary>
        protected FileTransfer[] ResolveTransfers(GenesysConnection connection)
        {
            if (ParameterSetName == TransferSet)
            {
                return Transfer;
            }

            var found = new System.Collections.Generic.List<FileTransfer>();
            foreach (Guid id in TransferId)
            {
                if (connection.Lookup.TryGet(id, out FileTransfer transfer))
                {
                    found.Add(transfer);
                }
                else
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"No transfer {id} is known on this connection or recorded in its transfer journal."),
                        ErrorIds.TransferNotFound,
                        ErrorCategory.ObjectNotFound,
                        id));
                }
            }

            return found.ToArray();
        }
    }
}
