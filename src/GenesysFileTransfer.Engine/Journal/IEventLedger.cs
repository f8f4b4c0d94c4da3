using System;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>The webhook events and message delivery statuses already seen, shared by every listener of a journal.</summary>
    public interface IEventLedger
    {
        /// <summary>
        /// Records that a webhook event was accepted. Returns false when the same (source, eventId) was recorded
        /// before, by this or any other process: the caller then does nothing more for it.
        /// </summary>
        bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt);

        /// <summary>
        /// Moves a message's delivery status forward. Returns false (and changes nothing) when the stored status
        /// already has the same or a higher <paramref name="rank"/>, so out-of-order callbacks never move it back.
        /// </summary>
        bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at);

        string? GetMessageStatus(string messageId);

        /// <summary>
        /// Records an accepted callback in one transaction: the event id, its outbox items and its message-status change
        /// are all written or none is. When the (source, eventId) was recorded before, nothing is written and the result
        /// says so (<see cref="WebhookEventRecorded.IsNew"/> false). When any write fails, the event id is not recorded
        /// either, so the sender's retry is processed as new. The status only moves to a higher rank, as with
        /// <see cref="AdvanceMessageStatus"/>.
        /// </summary>
        WebhookEventRecorded RecordEvent(WebhookEventRecord record);

        /// <summary>
        /// <see cref="RecordEvent"/> for a caller that must not hold its thread while the write waits its turn (a
        /// listener answering many callbacks from the thread pool). Same transaction, same result, same errors, in the task.
        /// </summary>
        Task<WebhookEventRecorded> RecordEventAsync(WebhookEventRecord record);
    }
}
