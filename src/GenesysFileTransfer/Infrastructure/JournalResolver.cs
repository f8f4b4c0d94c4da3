using System;
using System.IO;
using System.Management.Automation;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Connection;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Sqlite;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Which journal and which audit log a command uses, decided in one place for every command: <c>-JournalPath</c>
    /// (<c>-AuditLogPath</c>) first; else the connection's; else the per-user default. What the command opened itself
    /// it owns and disposes; a connection's journal and audit log stay the connection's.
    /// </summary>
    internal static class JournalResolver
    {
        /// <summary>
        /// The journal for <paramref name="cmdlet"/>. With <paramref name="createIfMissing"/> (receivers, which record
        /// new work) a missing file is created. Without it, a missing default journal means nothing was ever recorded
        /// (null, not an error), and a missing named one is a terminating <c>PathNotFound</c>. A file that cannot be
        /// opened is a terminating <c>JournalUnavailable</c>.
        /// </summary>
        public static ITransferJournal? Open(PSCmdlet cmdlet, string? journalPath, GenesysConnection? connection, bool createIfMissing, out ITransferJournal? owned)
        {
            owned = null;
            if (journalPath is null && connection?.Journal != null)
            {
                return connection.Journal;
            }

            string path = journalPath is null ? SqliteTransferJournal.DefaultPath : cmdlet.GetUnresolvedProviderPathFromPSPath(journalPath);
            if (!createIfMissing && !File.Exists(path))
            {
                if (journalPath is null)
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
        /// </summary>
        public static AuditLog OpenAudit(PSCmdlet cmdlet, string? auditLogPath, GenesysConnection? connection, string errorId, out AuditLog? owned)
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

            return owned!;
        }
    }
}
