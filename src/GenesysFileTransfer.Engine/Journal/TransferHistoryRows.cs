using System.Collections.Generic;
using System.Data.Common;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// A row of the <c>transfer_history</c> table as both journal stores select it: the column list and how its fields
    /// become a <see cref="TransferHistoryEntry"/>.
    /// </summary>
    internal static class TransferHistoryRows
    {
        /// <summary>The columns of an entry, in the order <see cref="ReadAll"/> expects.</summary>
        public const string Columns = "time, event, media_id, detail";

        /// <summary>Every remaining row of the reader, selected with <see cref="Columns"/>.</summary>
        public static IReadOnlyList<TransferHistoryEntry> ReadAll(DbDataReader reader) =>
            reader.ReadRows(row => new TransferHistoryEntry(row.GetJournalTime(0), row.GetString(1), row.GetStringOrNull(2), row.GetStringOrNull(3)));
    }
}
