using System;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// The durable record this module keeps, and the single source of truth for it: transfers and their history
    /// (<see cref="Transfers"/>), webhook events and message statuses already seen (<see cref="Events"/>), and the
    /// documents waiting to be archived (<see cref="Outbox"/>). Every method of every role is atomic on its own and safe
    /// from several threads and several processes sharing one store, so a crashed batch resumes, two overlapping runs
    /// never send a file twice, and many listeners can share one journal. The engine depends on these interfaces only:
    /// the embedded SQLite journal is one implementation, a shared server database another.
    /// </summary>
    public interface ITransferJournal : IDisposable
    {
        /// <summary>Where the journal lives (a file path, a connection description without secrets).</summary>
        string Location { get; }

        ITransferStore Transfers { get; }

        IEventLedger Events { get; }

        IDocumentOutbox Outbox { get; }
    }
}
