namespace GenesysFileTransfer.Engine.Journal.Postgres
{
    /// <summary>
    /// The PostgreSQL journal's schema, one migration per version. A migration is never edited once released: a change
    /// is a new entry, applied in place when any process of a newer module opens the journal (under an advisory lock, so
    /// a fleet starting at once migrates once). Every statement names tables unqualified, so the journal lives in the
    /// first schema of the connection's search path (<c>Search Path=</c> in the connection string; <c>public</c> by default).
    /// </summary>
    /// <remarks>
    /// Times of transfers, history, events and the outbox are UTC ISO 8601 text of fixed width with 100 ns precision,
    /// exactly as the SQLite journal keeps them (text order is time order; <c>::timestamptz</c> reads them). Audit
    /// records carry a <c>timestamptz</c> for range queries. The <c>*_token</c> and <c>last_change</c> columns hold the
    /// operation token of the last change, so a retry after a commit whose answer was lost recognises its own work.
    /// </remarks>
    internal static class PostgresSchema
    {
        public static readonly string[] Migrations =
        {
            // Version 1: the contract of SQLite journal version 3, plus operation tokens and the audit trail.
            @"
CREATE TABLE transfers (
    transfer_id        uuid   NOT NULL PRIMARY KEY,
    idempotency_key    text   NOT NULL CONSTRAINT transfers_idempotency_key_unique UNIQUE,
    conversation_id    text   NOT NULL,
    communication_id   text   NOT NULL,
    file_path          text   NOT NULL,
    file_name          text   NOT NULL,
    length             bigint NOT NULL,
    content_type       text   NOT NULL,
    sha256             text   NOT NULL,
    content_md5        text   NOT NULL,
    media_id           text,
    status             text   NOT NULL,
    message_id         text,
    failure_reason     text,
    metadata_json      text   NOT NULL,
    previous_media_ids text   NOT NULL,
    created_at         text   NOT NULL,
    updated_at         text   NOT NULL,
    version            bigint NOT NULL DEFAULT 0,
    lease_owner        text,
    lease_until        text,
    last_change        uuid
);
CREATE INDEX transfers_by_status ON transfers (status, created_at);
CREATE INDEX transfers_by_file_name ON transfers (file_name);
CREATE INDEX transfers_by_file_path ON transfers (file_path);
CREATE INDEX transfers_by_conversation ON transfers (conversation_id, created_at);
CREATE INDEX transfers_by_created ON transfers (created_at);
CREATE INDEX transfers_by_media ON transfers (media_id);

CREATE TABLE transfer_history (
    entry_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id uuid   NOT NULL REFERENCES transfers (transfer_id),
    time        text   NOT NULL,
    event       text   NOT NULL,
    media_id    text,
    detail      text
);
CREATE INDEX transfer_history_by_transfer ON transfer_history (transfer_id, entry_id);
CREATE INDEX transfer_history_by_media ON transfer_history (media_id);

CREATE TABLE webhook_events (
    source       text NOT NULL,
    event_id     text NOT NULL,
    received_at  text NOT NULL,
    record_token uuid,
    PRIMARY KEY (source, event_id)
);

CREATE TABLE message_status (
    message_id   text    NOT NULL PRIMARY KEY,
    status       text    NOT NULL,
    rank         integer NOT NULL,
    updated_at   text    NOT NULL,
    change_token uuid
);

CREATE TABLE outbox (
    document_key     text    NOT NULL PRIMARY KEY,
    kind             text    NOT NULL,
    transfer_id      uuid,
    conversation_id  text,
    message_id       text,
    attachment_id    text,
    source           text    NOT NULL,
    file_name        text    NOT NULL,
    content_type     text,
    sha256           text,
    length           bigint,
    metadata_json    text    NOT NULL,
    state            text    NOT NULL,
    attempts         integer NOT NULL,
    enqueued_at      text    NOT NULL,
    next_attempt_at  text    NOT NULL,
    last_error       text,
    claimed_by       text,
    lease_until      text,
    stored_location  text,
    archived_at      text,
    fallback_source  text,
    state_reason     text,
    state_changed_by text,
    state_changed_at text,
    insert_token     uuid,
    claim_token      uuid,
    op_token         uuid
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, enqueued_at);
CREATE INDEX outbox_by_transfer ON outbox (transfer_id);

CREATE TABLE audit_records (
    record_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time            timestamptz NOT NULL,
    operation       text        NOT NULL,
    outcome         text        NOT NULL,
    transfer_id     uuid,
    conversation_id text,
    correlation_id  text,
    host            text        NOT NULL,
    record          json        NOT NULL
);
CREATE INDEX audit_records_by_transfer ON audit_records (transfer_id, record_id) WHERE transfer_id IS NOT NULL;
CREATE INDEX audit_records_by_conversation ON audit_records (conversation_id, record_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX audit_records_by_time ON audit_records (time);

-- Append-only: an audit record, once written, is never changed or removed through the journal's own tables.
CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
",
        };

        public static int LatestVersion => Migrations.Length;
    }
}
