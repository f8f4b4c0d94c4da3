using System;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using static GenesysFileTransfer.Engine.Journal.Sqlite.SqliteDatabase;

namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// The event ledger in the journal file: each method is one statement, atomic against every other writer, except
    /// <see cref="RecordEvent"/> (and its asynchronous twin), which is one <c>BEGIN IMMEDIATE</c> transaction.
    /// </summary>
    internal sealed class SqliteEventLedger : IEventLedger
    {
        private readonly SqliteDatabase _db;

        public SqliteEventLedger(SqliteDatabase db) => _db = db;

        public bool TryRecordEvent(string source, string eventId, DateTimeOffset receivedAt) =>
            _db.Run("record webhook event " + eventId, connection => InsertEvent(connection, null, source, eventId, receivedAt));

        public bool AdvanceMessageStatus(string messageId, string status, int rank, DateTimeOffset at) =>
            _db.Run("record the status of message " + messageId, connection => Advance(connection, null, messageId, status, rank, at));

        public string? GetMessageStatus(string messageId) =>
            _db.Run("read the status of message " + messageId, connection => ReadStatus(connection, null, messageId));

        public WebhookEventRecorded RecordEvent(WebhookEventRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            return _db.InTransaction("record webhook event " + record.EventId, (connection, transaction) => Record(connection, transaction, record));
        }

        public Task<WebhookEventRecorded> RecordEventAsync(WebhookEventRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            return _db.InTransactionAsync("record webhook event " + record.EventId, (connection, transaction) => Record(connection, transaction, record));
        }

        /// <summary>
        /// Inside <c>BEGIN IMMEDIATE</c>: the write lock is held from the event insert to the commit, so another process
        /// recording the same event waits and then finds it taken. A throw anywhere rolls the event id back with the rest.
        /// </summary>
        private static WebhookEventRecorded Record(SqliteConnection connection, SqliteTransaction transaction, WebhookEventRecord record)
        {
            var enqueued = new bool[record.OutboxItems.Count];
            if (!InsertEvent(connection, transaction, record.Source, record.EventId, record.ReceivedAt))
            {
                string? current = record.MessageId is null ? null : ReadStatus(connection, transaction, record.MessageId);
                return new WebhookEventRecorded(false, enqueued, false, current);
            }

            for (int i = 0; i < enqueued.Length; i++)
            {
                enqueued[i] = SqliteDocumentOutbox.Insert(connection, transaction, record.OutboxItems[i]);
            }

            bool advanced = record.MessageId != null && record.Status != null && record.StatusRank is int rank
                && Advance(connection, transaction, record.MessageId, record.Status, rank, record.ReceivedAt);
            string? status = record.MessageId is null ? null : ReadStatus(connection, transaction, record.MessageId);
            return new WebhookEventRecorded(true, enqueued, advanced, status);
        }

        private static bool InsertEvent(SqliteConnection connection, SqliteTransaction? transaction, string source, string eventId, DateTimeOffset receivedAt)
        {
            using SqliteCommand command = Command(connection, transaction, "INSERT INTO webhook_events (source, event_id, received_at) VALUES ($source, $event_id, $received_at) ON CONFLICT (source, event_id) DO NOTHING;");
            Bind(command, "$source", source);
            Bind(command, "$event_id", eventId);
            Bind(command, "$received_at", Time(receivedAt));
            return command.ExecuteNonQuery() == 1;
        }

        private static bool Advance(SqliteConnection connection, SqliteTransaction? transaction, string messageId, string status, int rank, DateTimeOffset at)
        {
            // One statement: the rank comparison and the write cannot be separated by another writer.
            using SqliteCommand command = Command(
                connection,
                transaction,
                "INSERT INTO message_status (message_id, status, rank, updated_at) VALUES ($message_id, $status, $rank, $updated_at) " +
                "ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank, updated_at = excluded.updated_at " +
                "WHERE excluded.rank > message_status.rank;");
            Bind(command, "$message_id", messageId);
            Bind(command, "$status", status);
            Bind(command, "$rank", rank);
            Bind(command, "$updated_at", Time(at));
            return command.ExecuteNonQuery() == 1;
        }

        private static string? ReadStatus(SqliteConnection connection, SqliteTransaction? transaction, string messageId)
        {
            using SqliteCommand command = Command(connection, transaction, "SELECT status FROM message_status WHERE message_id = $message_id;");
            Bind(command, "$message_id", messageId);
            return command.ExecuteScalar() as string;
        }
    }
}
