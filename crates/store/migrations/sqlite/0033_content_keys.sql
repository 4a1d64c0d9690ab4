-- Ghost Content API keys: read-only keys for published content (a front
-- end, a newsletter tool). Public by design, as Ghost's are, so kept by
-- the SHA-256 of the key, looked up on each request; revoked, never
-- reused.
CREATE TABLE content_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
