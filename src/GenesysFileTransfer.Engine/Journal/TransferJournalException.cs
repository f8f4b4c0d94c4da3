using System;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// The journal could not be opened, read or written (a locked or damaged file, a journal made by a newer version
    /// of the module, a platform without a native SQLite build). Stores wrap their own exceptions in it, so callers
    /// never depend on a database library's exception types.
    /// </summary>
    public sealed class TransferJournalException : Exception
    {
        public TransferJournalException(string location, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Location = location;
        }

        /// <summary>The journal concerned (<see cref="ITransferJournal.Location"/>).</summary>
        public string Location { get; }
    }
}
