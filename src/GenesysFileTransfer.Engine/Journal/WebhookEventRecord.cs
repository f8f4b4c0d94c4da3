using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// Everything one accepted callback writes, recorded together by <see cref="IEventLedger.RecordEvent"/>: the event
    /// id, the documents it announces and the message status it reports.
    /// </summary>
    public sealed class WebhookEventRecord
    {
        public WebhookEventRecord(string source, string eventId, DateTimeOffset receivedAt)
        {
            Source = source ?? throw new ArgumentNullException(nameof(source));
            EventId = eventId ?? throw new ArgumentNullException(nameof(eventId));
            ReceivedAt = receivedAt;
        }

        public string Source { get; }

        public string EventId { get; }

        public DateTimeOffset ReceivedAt { get; }

        /// <summary>Documents to put in the outbox; an item whose key exists already is left as it is.</summary>
        public IList<OutboxItem> OutboxItems { get; } = new List<OutboxItem>();

        /// <summary>The message whose status the result reports (after the change, if any); null for none.</summary>
        public string? MessageId { get; set; }

        /// <summary>The status to move <see cref="MessageId"/> to; ignored unless <see cref="StatusRank"/> is set too.</summary>
        public string? Status { get; set; }

        /// <summary>The rank of <see cref="Status"/>: the status moves only to a higher rank.</summary>
        public int? StatusRank { get; set; }
    }

    /// <summary>What <see cref="IEventLedger.RecordEvent"/> did.</summary>
    public sealed class WebhookEventRecorded
    {
        public WebhookEventRecorded(bool isNew, IReadOnlyList<bool> enqueued, bool statusAdvanced, string? messageStatus)
        {
            IsNew = isNew;
            Enqueued = enqueued;
            StatusAdvanced = statusAdvanced;
            MessageStatus = messageStatus;
        }

        /// <summary>False when the (source, event id) was recorded before: then nothing else was written either.</summary>
        public bool IsNew { get; }

        /// <summary>Per outbox item, in order: true when this call added it (false for a duplicate event or a taken key).</summary>
        public IReadOnlyList<bool> Enqueued { get; }

        /// <summary>True when this call moved the message status forward.</summary>
        public bool StatusAdvanced { get; }

        /// <summary>The message's status after the call (null when it has none or no message was named).</summary>
        public string? MessageStatus { get; }
    }
}
