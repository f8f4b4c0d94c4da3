using System;
using System.Data.Common;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// Reads one field of a journal row from either store's reader, where the two schemas store the same value
    /// differently or a column may be null.
    /// </summary>
    internal static class JournalFields
    {
        public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

        public static long? GetInt64OrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? (long?)null : reader.GetInt64(ordinal);

        public static DateTimeOffset GetJournalTime(this DbDataReader reader, int ordinal) => JournalTime.ParseTime(reader.GetString(ordinal));

        public static DateTimeOffset? GetJournalTimeOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? (DateTimeOffset?)null : reader.GetJournalTime(ordinal);

        /// <summary>A transfer id: a native <c>uuid</c> on PostgreSQL, its "D" text form in SQLite.</summary>
        public static Guid GetTransferId(this DbDataReader reader, int ordinal) =>
            reader.GetFieldType(ordinal) == typeof(Guid) ? reader.GetGuid(ordinal) : Guid.Parse(reader.GetString(ordinal));

        public static Guid? GetTransferIdOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? (Guid?)null : reader.GetTransferId(ordinal);
    }
}
