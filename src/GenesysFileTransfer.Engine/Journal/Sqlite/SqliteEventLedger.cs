using System;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Journal.Sqlite.SqliteDatabase;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>The event ledger in the journal file: each method is one statement, atomic against every other writer.</summary>
    internal sealed class SqliteEventLedger : IEventLedger
    {
        private readonly SqliteDatabase _db;

        public SqliteEventLedger(SqliteDatabase db) => _db = db;

        public bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt) =>
            _db.Run("record webhook event " + eventId, connection =>
            {
                using SqliteCommand command = Command(connection, null, "INSERT INTO webhook_events (source, event_id, received_at) VALUES ($source, $event_id, $received_at) ON CONFLICT (source, event_id) DO NOTHING;");
                Bind(command, "$source", source);
                Bind(command, "$event_id", eventId);
                Bind(command, "$received_at", Time(receivedAt));
                return command.ExecuteNonQuery() == 1;
            });

        public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at) =>
            _db.Run("record the status of message " + messageId, connection =>
            {
                // One statement: the rank comparison and the write cannot be separated by another writer.
                using SqliteCommand command = Command(
                    connection,
                    null,
                    "INSERT INTO message_status (message_id, status, rank, updated_at) VALUES ($message_id, $status, $rank, $updated_at) " +
                    "ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank, updated_at = excluded.updated_at " +
                    "WHERE excluded.rank > message_status.rank;");
                Bind(command, "$message_id", messageId);
                Bind(command, "$status", status);
                Bind(command, "$rank", rank);
                Bind(command, "$updated_at", Time(at));
                return command.ExecuteNonQuery() == 1;
            });

        public string? GetMessageStatus(string messageId) =>
            _db.Run("read the status of message " + messageId, connection =>
            {
                using SqliteCommand command = Command(connection, null, "SELECT status FROM message_status WHERE message_id = $message_id;");
                Bind(command, "$message_id", messageId);
                return command.ExecuteScalar() as string;
            });
    }
}
