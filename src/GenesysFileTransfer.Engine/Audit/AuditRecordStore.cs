using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>One audit record as a shared store keeps it: the JSON line the file log writes plus its indexed columns.</summary>
    public sealed class StoredAuditRecord
    {
        /// <summary>The store's own sequence number: the order records were appended in.</summary>
        public long RecordId { get; set; }
        public DateTimeOffset Time { get; set; }
        public string Operation { get; set; } = string.Empty;
        public string Outcome { get; set; } = string.Empty;
        public Guid? TransferId { get; set; }
        public string? ConversationId { get; set; }
        public string? CorrelationId { get; set; }
        /// <summary>The machine (and process) that wrote the record: host/pid.</summary>
        public string Host { get; set; } = string.Empty;
        /// <summary>Exactly the JSON object the daily audit file holds for this step.</summary>
        public string Json { get; set; } = "{}";
    }

    /// <summary>Filters for <see cref="IAuditRecordStore.QueryAudit"/>; unset fields do not filter.</summary>
    public sealed class AuditQuery
    {
        public Guid? TransferId { get; set; }
        public string? ConversationId { get; set; }
        public string? CorrelationId { get; set; }
        public string? Operation { get; set; }
        /// <summary>At or after.</summary>
        public DateTimeOffset? Since { get; set; }
        /// <summary>Before.</summary>
        public DateTimeOffset? Until { get; set; }
        /// <summary>At most this many records: the newest ones, returned oldest first.</summary>
        public int? Newest { get; set; }
    }

    /// <summary>
    /// A journal that can keep the audit trail beside the transfers (a shared server database), so the audit of a
    /// process that runs in a throwaway sandbox outlives it. Append-only: records are never changed or removed.
    /// </summary>
    public interface IAuditRecordStore
    {
        void AppendAudit(IReadOnlyList<StoredAuditRecord> records);

        /// <summary>Matching records in the order they were appended.</summary>
        IReadOnlyList<StoredAuditRecord> QueryAudit(AuditQuery query);
    }
}
