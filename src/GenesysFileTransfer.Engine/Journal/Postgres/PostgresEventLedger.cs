using System;
using System.Threading.Tasks;
using Npgsql;
using static GenesysFileTransfer.Engine.Journal.JournalTime;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresSession;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// The event ledger on the server: each method is one statement (<see cref="RecordEvent"/> one transaction), atomic
    /// against every listener of the fleet. A
    /// retry after a lost answer recognises its own write by its token, so an event this call recorded is never reported
    /// as a duplicate of itself.
    /// </summary>
    internal sealed class PostgresEventLedger : IEventLedger
    {
        private readonly PostgresDatabase _db;

        public PostgresEventLedger(PostgresDatabase db) => _db = db;

        public bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt)
        {
            Guid token = Guid.NewGuid();
            return _db.Run("record webhook event " + eventId, session =>
                InsertEvent(session, source, eventId, receivedAt, token) || (session.IsRetry && Mine(session, "webhook_events", "record_token", token)));
        }

        public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at)
        {
            Guid token = Guid.NewGuid();
            return _db.Run("record the status of message " + messageId, session =>
                Advance(session, messageId, status, rank, at, token) || (session.IsRetry && Mine(session, "message_status", "change_token", token)));
        }

        public string? GetMessageStatus(string messageId) =>
            _db.Run("read the status of message " + messageId, session => ReadStatus(session, messageId));

        /// <summary>
        /// Runs <see cref="RecordEvent"/> on the calling thread: the server round trips go through the same synchronous
        /// session and retry policy as every other journal call, and a fleet's listener waits on the network, not on a
        /// local writer's turn. The task is complete when it returns.
        /// </summary>
        public Task<WebhookEventRecorded> RecordEventAsync(WebhookEventRecord record)
        {
            try
            {
                return Task.FromResult(RecordEvent(record));
            }
            catch (Exception ex)
            {
                return Task.FromException<WebhookEventRecorded>(ex);
            }
        }

        public WebhookEventRecorded RecordEvent(WebhookEventRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            // Tokens chosen once per call: an attempt after a lost answer to COMMIT finds the event taken, recognises
            // the first attempt's writes by them, and reports what that attempt did instead of a duplicate.
            Guid eventToken = Guid.NewGuid();
            Guid statusToken = Guid.NewGuid();
            var itemTokens = new Guid[record.OutboxItems.Count];
            for (int i = 0; i < itemTokens.Length; i++)
            {
                itemTokens[i] = Guid.NewGuid();
            }

            bool changesStatus = record.MessageId != null && record.Status != null && record.StatusRank is int;
            return _db.InTransaction("record webhook event " + record.EventId, session =>
            {
                var enqueued = new bool[itemTokens.Length];
                if (!InsertEvent(session, record.Source, record.EventId, record.ReceivedAt, eventToken))
                {
                    if (session.IsRetry && Mine(session, "webhook_events", "record_token", eventToken))
                    {
                        for (int i = 0; i < enqueued.Length; i++)
                        {
                            enqueued[i] = Mine(session, "outbox", "insert_token", itemTokens[i]);
                        }

                        bool advancedBefore = changesStatus && Mine(session, "message_status", "change_token", statusToken);
                        return new WebhookEventRecorded(true, enqueued, advancedBefore, record.MessageId is null ? null : ReadStatus(session, record.MessageId));
                    }

                    return new WebhookEventRecorded(false, enqueued, false, record.MessageId is null ? null : ReadStatus(session, record.MessageId));
                }

                for (int i = 0; i < enqueued.Length; i++)
                {
                    enqueued[i] = PostgresDocumentOutbox.Insert(session, record.OutboxItems[i], itemTokens[i]);
                }

                bool advanced = changesStatus && Advance(session, record.MessageId!, record.Status!, record.StatusRank!.Value, record.ReceivedAt, statusToken);
                return new WebhookEventRecorded(true, enqueued, advanced, record.MessageId is null ? null : ReadStatus(session, record.MessageId));
            });
        }

        private static bool InsertEvent(PostgresSession session, string source, string eventId, DateTimeOffset receivedAt, Guid token)
        {
            using NpgsqlCommand command = session.Command(
                "INSERT INTO webhook_events (source, event_id, received_at, record_token) VALUES (@source, @event_id, @received_at, @token) " +
                "ON CONFLICT (source, event_id) DO NOTHING;");
            BindText(command, "source", source);
            BindText(command, "event_id", eventId);
            BindText(command, "received_at", Time(receivedAt));
            BindUuid(command, "token", token);
            return session.Execute(command) == 1;
        }

        private static bool Advance(PostgresSession session, string messageId, string status, int rank, DateTimeOffset at, Guid token)
        {
            using NpgsqlCommand command = session.Command(
                "INSERT INTO message_status (message_id, status, rank, updated_at, change_token) VALUES (@message_id, @status, @rank, @updated_at, @token) " +
                "ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank, updated_at = excluded.updated_at, change_token = excluded.change_token " +
                "WHERE excluded.rank > message_status.rank;");
            BindText(command, "message_id", messageId);
            BindText(command, "status", status);
            command.Parameters.AddWithValue("rank", rank);
            BindText(command, "updated_at", Time(at));
            BindUuid(command, "token", token);
            return session.Execute(command) == 1;
        }

        private static string? ReadStatus(PostgresSession session, string messageId)
        {
            using NpgsqlCommand command = session.Command("SELECT status FROM message_status WHERE message_id = @message_id;");
            BindText(command, "message_id", messageId);
            return session.Scalar(command) as string;
        }

        /// <summary>Whether a row carries <paramref name="token"/>: the write of an earlier attempt of the same call.</summary>
        internal static bool Mine(PostgresSession session, string table, string column, Guid token)
        {
            using NpgsqlCommand check = session.Command("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE " + column + " = @token);");
            BindUuid(check, "token", token);
            return session.Scalar(check) is bool found && found;
        }
    }
}
