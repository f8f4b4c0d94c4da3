using System;
using System.Net;
using GenesysFileTransfer.Engine.Journal.Postgres;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>Opens the journal a host names: a SQLite file by path, or a PostgreSQL database by connection string.</summary>
    public static class TransferJournals
    {
        /// <summary>The environment variable that names a shared (PostgreSQL) journal when no parameter does.</summary>
        public const string ConnectionStringVariable = "GENESYS_JOURNAL_CONNECTION";

        /// <summary>The connection string in <see cref="ConnectionStringVariable"/>, or null when it is not set.</summary>
        public static string? ConnectionStringFromEnvironment()
        {
            string? value = Environment.GetEnvironmentVariable(ConnectionStringVariable);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        /// <summary>
        /// <paramref name="connectionString"/> → the PostgreSQL journal; else <paramref name="path"/> (or the per-user
        /// default file) → the SQLite journal. Throws <see cref="TransferJournalException"/> when it cannot be opened.
        /// </summary>
        public static ITransferJournal Open(string? path, string? connectionString, NetworkCredential? credential = null)
        {
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                return PostgresTransferJournal.Open(connectionString!, credential);
            }

            return SqliteTransferJournal.Open(path ?? SqliteTransferJournal.DefaultPath);
        }

        /// <summary>Statements and commits a journal has made since it was opened; null when the store does not count them.</summary>
        public static long? RoundTrips(ITransferJournal? journal) => journal switch
        {
            PostgresTransferJournal postgres => postgres.RoundTrips,
            SqliteTransferJournal sqlite => sqlite.RoundTrips,
            _ => null,
        };
    }
}
