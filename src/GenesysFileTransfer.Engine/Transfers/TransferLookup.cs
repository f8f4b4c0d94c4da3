using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using GenesysFileTransfer.Engine.Journal;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>
    /// Finds transfers in the journal and hands out their views: one <see cref="FileTransfer"/> object per transfer and
    /// connection, refreshed from the journal every time it is looked up, so what a session shows is what the journal
    /// holds now.
    /// </summary>
    public sealed class TransferLookup
    {
        private readonly ITransferStore _store;
        private readonly string _location;
        private readonly ConcurrentDictionary<Guid, FileTransfer> _views = new ConcurrentDictionary<Guid, FileTransfer>();

        internal TransferLookup(ITransferStore store, string location)
        {
            _store = store;
            _location = location;
        }

        /// <summary>The journal the views come from, as named in their errors.</summary>
        internal string Location => _location;

        /// <summary>The transfer, current as the journal holds it (earlier sessions and other processes included).</summary>
        public bool TryGet(Guid transferId, out FileTransfer transfer)
        {
            JournalTransfer? record = _store.GetTransfer(transferId);
            if (record is null)
            {
                transfer = null!;
                return false;
            }

            transfer = View(record);
            return true;
        }

        /// <summary>Transfers matching <paramref name="query"/>, newest first, each current as the journal holds it.</summary>
        public IReadOnlyList<FileTransfer> Query(TransferQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            return _store.QueryTransfers(query).Select(View).ToArray();
        }

        /// <summary>Transfers recorded in <paramref name="journal"/> matching <paramref name="query"/>, newest first, without a connection.</summary>
        public static IReadOnlyList<FileTransfer> Query(ITransferJournal journal, TransferQuery query)
        {
            if (journal is null)
            {
                throw new ArgumentNullException(nameof(journal));
            }

            return journal.Transfers.QueryTransfers(query ?? throw new ArgumentNullException(nameof(query)))
                .Select(record => FileTransfer.FromJournal(record, journal.Transfers.GetHistory(record.TransferId), journal.Location))
                .ToArray();
        }

        /// <summary>Brings a view (perhaps one a session kept for hours) up to the journal's state.</summary>
        public FileTransfer Refresh(FileTransfer transfer)
        {
            JournalTransfer? record = _store.GetTransfer(transfer.TransferId);
            if (record != null)
            {
                Refresh(transfer, record);
            }

            return transfer;
        }

        internal void Refresh(FileTransfer transfer, JournalTransfer record) =>
            transfer.Refresh(record, _store.GetHistory(record.TransferId), _location);

        /// <summary>This connection's view of the transfer, refreshed from <paramref name="record"/>.</summary>
        internal FileTransfer View(JournalTransfer record)
        {
            bool created = false;
            FileTransfer view = _views.GetOrAdd(record.TransferId, _ =>
            {
                created = true;
                return FileTransfer.FromJournal(record, _store.GetHistory(record.TransferId), _location);
            });
            if (!created)
            {
                Refresh(view, record);
            }

            return view;
        }
    }
}
