using System;

namespace GenesysFileTransfer.Engine.Transfers
{
    /// <summary>One event in a transfer's life (created, renewed, uploaded, scanned, delivered).</summary>
    public sealed class TransferHistoryEntry
    {
        public TransferHistoryEntry(DateTimeOffset time, string @event, string? mediaId, string? detail)
        {
            Time = time;
            Event = @event;
            MediaId = mediaId;
            Detail = detail;
        }

        public DateTimeOffset Time { get; }
        public string Event { get; }
        public string? MediaId { get; }
        public string? Detail { get; }

        public override string ToString() => $"{Time:u} {Event} {MediaId} {Detail}".TrimEnd();
    }
}
