using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation;
using System.Net;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>The journal a command was told to use: a SQLite file, a PostgreSQL connection string, or neither.</summary>
    internal sealed class JournalChoice
    {
        public JournalChoice(string? path, string? connectionString, PSCredential? credential)
        {
            Path = path;
            ConnectionString = connectionString;
            Credential = credential;
        }

        public string? Path { get; }

        public string? ConnectionString { get; }

        public PSCredential? Credential { get; }

        public bool IsNamed => Path != null || ConnectionString != null;

        public static JournalChoice File(string? path) => new JournalChoice(path, null, null);
    }

    /// <summary>
    /// Which journal and which audit log a command uses, decided in one place for every command: <c>-JournalPath</c> or
    /// <c>-JournalConnectionString</c> (<c>-AuditLogPath</c>) first; else the connection's; else the journal the
    /// <c>GENESYS_JOURNAL_CONNECTION</c> environment variable names; else the per-user default file. What the command
    /// opened itself it owns and closes (<see cref="Close"/>); a connection's journal and audit log stay the connection's.
    /// </summary>
    internal static class JournalResolver
    {
        /// <summary>Audit logs a command opened that mirror into a shared journal: flushed before they close.</summary>
        private static readonly ConcurrentDictionary<AuditLog, JournalAuditSink> Mirrors = new ConcurrentDictionary<AuditLog, JournalAuditSink>();

        /// <summary>The password of <paramref name="credential"/> for Npgsql (null without one).</summary>
        public static NetworkCredential? Network(PSCredential? credential) =>
            credential is null ? null : new NetworkCredential(credential.UserName?.TrimStart('\\') ?? string.Empty, credential.Password);

        /// <summary>
        /// Opens a PostgreSQL journal; a failure is a terminating <c>JournalUnavailable</c> (target: the location, never
        /// the connection string). Used by Connect-GcCloud's validation too.
        /// </summary>
        public static ITransferJournal OpenShared(PSCmdlet cmdlet, string connectionString, PSCredential? credential)
        {
            try
            {
                return TransferJournals.Open(null, connectionString, Network(credential));
            }
            catch (TransferJournalException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.OpenError, ex.Location)
                {
                    ErrorDetails = new ErrorDetails(ex.Message)
                    {
                        RecommendedAction = "Check the server, database and user in the connection string, the password (-JournalCredential, PGPASSWORD or .pgpass), the server's firewall and its SSL settings.",
                    },
                });
                throw;
            }
        }

        /// <summary>
        /// The journal for <paramref name="cmdlet"/>. With <paramref name="createIfMissing"/> (receivers, which record
        /// new work) a missing file is created. Without it, a missing default journal file means nothing was ever
        /// recorded (null, not an error), and a missing named one is a terminating <c>PathNotFound</c>. A journal that
        /// cannot be opened is a terminating <c>JournalUnavailable</c>; a file and a connection string together are a
        /// terminating <c>JournalParameterConflict</c>.
        /// </summary>
        public static ITransferJournal? Open(PSCmdlet cmdlet, JournalChoice choice, GenesysConnection? connection, bool createIfMissing, out ITransferJournal? owned)
        {
            owned = null;
            if (choice.Path != null && choice.ConnectionString != null)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Pass -JournalPath (a SQLite file) or -JournalConnectionString (a PostgreSQL database), not both."),
                    ErrorIds.JournalParameterConflict,
                    ErrorCategory.InvalidArgument,
                    choice.Path));
            }

            if (!choice.IsNamed && connection?.Journal != null)
            {
                return connection.Journal;
            }

            string? connectionString = choice.ConnectionString ?? (choice.Path is null ? TransferJournals.ConnectionStringFromEnvironment() : null);
            if (connectionString != null)
            {
                owned = OpenShared(cmdlet, connectionString, choice.Credential);
                return owned;
            }

            string path = choice.Path is null ? SqliteTransferJournal.DefaultPath : cmdlet.GetUnresolvedProviderPathFromPSPath(choice.Path);
            if (!createIfMissing && !File.Exists(path))
            {
                if (choice.Path is null)
                {
                    cmdlet.WriteVerbose($"There is no transfer journal at '{path}' yet: nothing has been recorded.");
                    return null;
                }

                cmdlet.ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"There is no transfer journal at '{path}'.", path), ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
            }

            try
            {
                owned = SqliteTransferJournal.Open(path);
            }
            catch (TransferJournalException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.JournalUnavailable, ErrorCategory.OpenError, path));
            }

            return owned;
        }

        /// <summary>
        /// The audit log for <paramref name="cmdlet"/>: <paramref name="auditLogPath"/>, else the connection's, else the
        /// per-user default folder. A folder that cannot be opened is a terminating error with <paramref name="errorId"/>.
        /// An audit log opened here also goes into <paramref name="journal"/> when that keeps audit records (PostgreSQL).
        /// </summary>
        public static AuditLog OpenAudit(PSCmdlet cmdlet, string? auditLogPath, GenesysConnection? connection, string errorId, out AuditLog? owned, ITransferJournal? journal = null)
        {
            owned = null;
            if (auditLogPath is null && connection != null)
            {
                return connection.Audit;
            }

            string folder = auditLogPath is null ? AuditLog.DefaultDirectory : cmdlet.GetUnresolvedProviderPathFromPSPath(auditLogPath);
            try
            {
                owned = AuditLog.Open(folder);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, errorId, ErrorCategory.OpenError, folder));
            }

            if (journal is IAuditRecordStore store)
            {
                Mirrors[owned!] = JournalAuditSink.Attach(owned!, store);
            }

            return owned!;
        }

        /// <summary>Closes what a command opened: the audit mirror (flushed), then the audit log, then the journal.</summary>
        public static void Close(AuditLog? ownedAudit, ITransferJournal? ownedJournal)
        {
            if (ownedAudit != null)
            {
                if (Mirrors.TryRemove(ownedAudit, out JournalAuditSink? mirror))
                {
                    mirror.Dispose();
                }

                ownedAudit.Dispose();
            }

            ownedJournal?.Dispose();
        }
    }
}
