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

        /// <summary>
        /// The record's JSON fields in file order, as plain values (string, long, double, bool, null; nested values as
        /// their JSON text), so a host can show them without a JSON library of its own.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, object?>> Fields()
        {
            var fields = new List<KeyValuePair<string, object?>>();
            using (System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(Json))
            {
                foreach (System.Text.Json.JsonProperty field in json.RootElement.EnumerateObject())
                {
                    object? value;
                    switch (field.Value.ValueKind)
                    {
                        case System.Text.Json.JsonValueKind.String:
                            value = field.Value.GetString();
                            break;
                        case System.Text.Json.JsonValueKind.Number:
                            value = field.Value.TryGetInt64(out long whole) ? whole : (object)field.Value.GetDouble();
                            break;
                        case System.Text.Json.JsonValueKind.True:
                            value = true;
                            break;
                        case System.Text.Json.JsonValueKind.False:
                            value = false;
                            break;
                        case System.Text.Json.JsonValueKind.Null:
                            value = null;
                            break;
                        default:
                            value = field.Value.GetRawText();
                            break;
                    }

                    fields.Add(new KeyValuePair<string, object?>(field.Name, value));
                }
            }

            return fields;
        }
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
