namespace GenesysFileTransfer.Engine.Journal.Sqlite
{
    /// <summary>
    /// The journal's schema, one migration per version. A migration is never edited once released: a change is a new
    /// entry, so a journal written by any earlier version of the module upgrades in place when it is opened.
    /// Times are UTC ISO 8601 strings of fixed width, so text order is time order and the file reads well in any
    /// SQLite tool.
    /// </summary>
    internal static class SqliteSchema
    {
        public static readonly string[] Migrations =
        {
            // Version 1.
            @"
CREATE TABLE transfers (
    transfer_id        TEXT NOT NULL PRIMARY KEY,
    idempotency_key    TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    communication_id   TEXT NOT NULL,
    file_path          TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    length             INTEGER NOT NULL,
    content_type       TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    content_md5        TEXT NOT NULL,
    media_id           TEXT,
    status             TEXT NOT NULL,
    message_id         TEXT,
    failure_reason     TEXT,
    metadata_json      TEXT NOT NULL,
    previous_media_ids TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX transfers_by_key ON transfers (idempotency_key, created_at);
CREATE INDEX transfers_by_status ON transfers (status, created_at);
CREATE INDEX transfers_by_file_name ON transfers (file_name);
CREATE INDEX transfers_by_file_path ON transfers (file_path);
CREATE INDEX transfers_by_conversation ON transfers (conversation_id, created_at);
CREATE INDEX transfers_by_created ON transfers (created_at);

CREATE TABLE transfer_history (
    entry_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id TEXT NOT NULL,
    time        TEXT NOT NULL,
    event       TEXT NOT NULL,
    media_id    TEXT,
    detail      TEXT
);
CREATE INDEX transfer_history_by_transfer ON transfer_history (transfer_id, entry_id);

CREATE TABLE webhook_events (
    source      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (source, event_id)
);

CREATE TABLE message_status (
    message_id TEXT NOT NULL PRIMARY KEY,
    status     TEXT NOT NULL,
    rank       INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE outbox (
    document_key    TEXT NOT NULL PRIMARY KEY,
    kind            TEXT NOT NULL,
    transfer_id     TEXT,
    conversation_id TEXT,
    message_id      TEXT,
    attachment_id   TEXT,
    source          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    content_type    TEXT,
    sha256          TEXT,
    length          INTEGER,
    metadata_json   TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    enqueued_at     TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    claimed_by      TEXT,
    lease_until     TEXT,
    stored_location TEXT,
    archived_at     TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, enqueued_at);
",

            // Version 2: the journal decides. A version per row for compare-and-set transitions, a lease (owner and
            // expiry) per transfer, and a unique idempotency key. Journals of version 1 could hold several rows per key
            // (overlapping runs); the most advanced one keeps the key (delivered first, then the newest), the others
            // keep their rows and history under a retired key.
            @"
ALTER TABLE transfers ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN lease_owner TEXT;
ALTER TABLE transfers ADD COLUMN lease_until TEXT;
UPDATE transfers SET idempotency_key = idempotency_key || '|superseded-by-upgrade:' || transfer_id
WHERE transfer_id IN (
    SELECT transfer_id FROM (
        SELECT transfer_id, ROW_NUMBER() OVER (
            PARTITION BY idempotency_key
            ORDER BY CASE status WHEN 'Delivered' THEN 0 ELSE 1 END, created_at DESC, transfer_id) AS position
        FROM transfers)
    WHERE position > 1);
DROP INDEX transfers_by_key;
CREATE UNIQUE INDEX transfers_by_key ON transfers (idempotency_key);
CREATE INDEX transfers_by_media ON transfers (media_id);
CREATE INDEX transfer_history_by_media ON transfer_history (media_id);
",

            // Version 3: outbox items an operator can see and decide on. A second source (a callback's attachment URL
            // for a transfer's document), and why, by whom and when an item last changed state (a missing source, an
            // abandoned document). New states 'source_missing' and 'abandoned' need no schema change.
            @"
ALTER TABLE outbox ADD COLUMN fallback_source TEXT;
ALTER TABLE outbox ADD COLUMN state_reason TEXT;
ALTER TABLE outbox ADD COLUMN state_changed_by TEXT;
ALTER TABLE outbox ADD COLUMN state_changed_at TEXT;
CREATE INDEX outbox_by_transfer ON outbox (transfer_id);
",

            // Version 4: signed URLs do not outlive their need. Documents archived by earlier versions kept the signed
            // attachment URL (a credential) as their source; keep scheme, host and path only, and drop the second
            // source. A new state 'quarantined' (malware found) needs no schema change.
            @"
UPDATE outbox SET
    source = CASE WHEN (source LIKE 'http://%' OR source LIKE 'https://%') AND instr(source, '?') > 0 THEN substr(source, 1, instr(source, '?') - 1) ELSE source END,
    fallback_source = NULL
WHERE state IN ('archived', 'abandoned');
",
        };

        public static int LatestVersion => Migrations.Length;
    }
}
