using System;
using Npgsql;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresDatabase;
using static GenesysFileTransfer.Engine.Journal.Postgres.PostgresSession;

namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// The event ledger on the server: each method is one statement, atomic against every listener of the fleet. A
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
            {
                using NpgsqlCommand command = session.Command(
                    "INSERT INTO webhook_events (source, event_id, received_at, record_token) VALUES (@source, @event_id, @received_at, @token) " +
                    "ON CONFLICT (source, event_id) DO NOTHING;");
                BindText(command, "source", source);
                BindText(command, "event_id", eventId);
                BindText(command, "received_at", Time(receivedAt));
                BindUuid(command, "token", token);
                return session.Execute(command) == 1 || (session.IsRetry && Mine(session, "webhook_events", "record_token", token));
            });
        }

        public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at)
        {
            Guid token = Guid.NewGuid();
            return _db.Run("record the status of message " + messageId, session =>
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
                return session.Execute(command) == 1 || (session.IsRetry && Mine(session, "message_status", "change_token", token));
            });
        }

        public string? GetMessageStatus(string messageId) =>
            _db.Run("read the status of message " + messageId, session =>
            {
                using NpgsqlCommand command = session.Command("SELECT status FROM message_status WHERE message_id = @message_id;");
                BindText(command, "message_id", messageId);
                return session.Scalar(command) as string;
            });

        /// <summary>Whether a row carries <paramref name="token"/>: the write of an earlier attempt of the same call.</summary>
        internal static bool Mine(PostgresSession session, string table, string column, Guid token)
        {
            using NpgsqlCommand check = session.Command("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE " + column + " = @token);");
            BindUuid(check, "token", token);
            return session.Scalar(check) is bool found && found;
        }
    }
}
