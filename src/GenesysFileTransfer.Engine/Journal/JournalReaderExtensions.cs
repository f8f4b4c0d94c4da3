using System;
using System.Collections.Generic;
using System.Data.Common;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// Reads journal rows from either store's reader: the remaining rows of a result, and the fields whose column may be
    /// null or whose type differs between the SQLite and the PostgreSQL schema.
    /// </summary>
    internal static class JournalReaderExtensions
    {
        /// <summary>Every remaining row of the reader, each mapped by <paramref name="row"/>.</summary>
        public static List<T> ReadRows<T>(this DbDataReader reader, Func<DbDataReader, T> row)
        {
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(row(reader));
            }

            return rows;
        }

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
