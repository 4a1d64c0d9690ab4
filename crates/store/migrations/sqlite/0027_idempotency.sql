-- Answers to API writes sent with an `Idempotency-Key` (SQLite), kept a
-- day so a retried request gets the first answer instead of acting twice.
-- `status` is NULL while the first request is still being answered.
CREATE TABLE api_idempotency (
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT NOT NULL DEFAULT '',
    location TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX api_idempotency_age ON api_idempotency (created_at);
