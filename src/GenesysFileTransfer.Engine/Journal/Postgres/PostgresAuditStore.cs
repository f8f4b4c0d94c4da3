using System;
using System.Collections.Generic;
using System.Text;
using GenesysFileTransfer.Engine.Audit;
using Npgsql;
using NpgsqlTypes;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresSession;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>The audit trail in the journal database: an append-only table, queried by transfer, conversation and time.</summary>
    internal sealed class PostgresAuditStore : IAuditRecordStore
    {
        private readonly PostgresDatabase _db;

        public PostgresAuditStore(PostgresDatabase db) => _db = db;

        public void AppendAudit(IReadOnlyList<StoredAuditRecord> records)
        {
            if (records is null || records.Count == 0)
            {
                return;
            }

            // One multi-row INSERT in one transaction: a retry after a lost answer could append a batch twice, which
            // an audit trail tolerates better than losing it; the rows carry their own time and correlation ids.
            _db.InTransaction("append " + records.Count + " audit records", session =>
            {
                var sql = new StringBuilder("INSERT INTO audit_records (time, operation, outcome, transfer_id, conversation_id, correlation_id, host, record) VALUES ");
                using NpgsqlCommand command = session.Command(string.Empty);
                for (int i = 0; i < records.Count; i++)
                {
                    StoredAuditRecord r = records[i];
                    sql.Append(i == 0 ? string.Empty : ", ")
                        .Append("(@t").Append(i).Append(", @o").Append(i).Append(", @r").Append(i).Append(", @x").Append(i)
                        .Append(", @c").Append(i).Append(", @k").Append(i).Append(", @h").Append(i).Append(", @j").Append(i).Append(')');
                    command.Parameters.AddWithValue("t" + i, NpgsqlDbType.TimestampTz, r.Time.UtcDateTime);
                    BindText(command, "o" + i, r.Operation);
                    BindText(command, "r" + i, r.Outcome);
                    BindUuid(command, "x" + i, r.TransferId);
                    BindText(command, "c" + i, r.ConversationId);
                    BindText(command, "k" + i, r.CorrelationId);
                    BindText(command, "h" + i, r.Host);
                    command.Parameters.AddWithValue("j" + i, NpgsqlDbType.Json, r.Json);
                }

                command.CommandText = sql.Append(';').ToString();
                return session.Execute(command);
            });
        }

        public IReadOnlyList<StoredAuditRecord> QueryAudit(AuditQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            return _db.Run("read the audit trail", session =>
            {
                using NpgsqlCommand command = session.Command(string.Empty);
                var where = new StringBuilder(" WHERE true");
                if (query.TransferId is Guid transferId)
                {
                    where.Append(" AND transfer_id = @transfer_id");
                    BindUuid(command, "transfer_id", transferId);
                }

                if (!string.IsNullOrEmpty(query.ConversationId))
                {
                    where.Append(" AND conversation_id = @conversation_id");
                    BindText(command, "conversation_id", query.ConversationId);
                }

                if (!string.IsNullOrEmpty(query.CorrelationId))
                {
                    where.Append(" AND correlation_id = @correlation_id");
                    BindText(command, "correlation_id", query.CorrelationId);
                }

                if (!string.IsNullOrEmpty(query.Operation))
                {
                    where.Append(" AND operation = @operation");
                    BindText(command, "operation", query.Operation);
                }

                if (query.Since is DateTimeOffset since)
                {
                    where.Append(" AND time >= @since");
                    command.Parameters.AddWithValue("since", NpgsqlDbType.TimestampTz, since.UtcDateTime);
                }

                if (query.Until is DateTimeOffset until)
                {
                    where.Append(" AND time < @until");
                    command.Parameters.AddWithValue("until", NpgsqlDbType.TimestampTz, until.UtcDateTime);
                }

                const string Columns = "record_id, time, operation, outcome, transfer_id, conversation_id, correlation_id, host, record::text";
                if (query.Newest is int newest)
                {
                    BindLong(command, "newest", Math.Max(0, newest));
                    command.CommandText = "SELECT * FROM (SELECT " + Columns + " AS record FROM audit_records" + where + " ORDER BY record_id DESC LIMIT @newest) AS newest ORDER BY record_id;";
                }
                else
                {
                    command.CommandText = "SELECT " + Columns + " FROM audit_records" + where + " ORDER BY record_id;";
                }

                var found = new List<StoredAuditRecord>();
                using NpgsqlDataReader reader = session.Reader(command);
                while (reader.Read())
                {
                    found.Add(new StoredAuditRecord
                    {
                        RecordId = reader.GetInt64(0),
                        Time = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)),
                        Operation = reader.GetString(2),
                        Outcome = reader.GetString(3),
                        TransferId = reader.IsDBNull(4) ? (Guid?)null : reader.GetGuid(4),
                        ConversationId = reader.IsDBNull(5) ? null : reader.GetString(5),
                        CorrelationId = reader.IsDBNull(6) ? null : reader.GetString(6),
                        Host = reader.GetString(7),
                        Json = reader.GetString(8),
                    });
                }

                return (IReadOnlyList<StoredAuditRecord>)found;
            });
        }
    }
}
