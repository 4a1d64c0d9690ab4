-- Newsletters: lists readers join, subscribers with the consent they gave,
-- each send with its rendered mail, and the durable queue of deliveries.
-- An address is all Kiosque keeps of a subscriber: no name, no IP.

-- The key newsletter links are signed with (one row).
CREATE TABLE newsletter_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- 32 random bytes, hex.
    secret TEXT NOT NULL
);

CREATE TABLE newsletter_lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('digest', 'alerts')),
    -- Digests: bit 0 Monday … bit 6 Sunday, and the minute of the day, in
    -- the site's time zone.
    days INTEGER NOT NULL DEFAULT 127,
    send_minute INTEGER NOT NULL DEFAULT 420,
    section_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    sender_name TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    -- The last scheduled time considered: the next digest holds what was
    -- published after it. Moved by one conditional UPDATE, so of several
    -- app servers only one sends a given digest.
    covered_until INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE newsletter_subscribers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    -- Lower case, for lookups: one subscriber per address.
    email_key TEXT NOT NULL UNIQUE,
    confirmed_at INTEGER,
    imported INTEGER NOT NULL DEFAULT 0,
    -- When a confirmation e-mail was last sent: one every few minutes at
    -- most, so the form cannot be used to flood an inbox.
    asked_at INTEGER,
    hard_failures INTEGER NOT NULL DEFAULT 0,
    suppressed_at INTEGER,
    created_at INTEGER NOT NULL
);

-- A list joined, with the consent given for it. Leaving keeps the row
-- (left_at set) so the log can count who left after a send.
CREATE TABLE newsletter_memberships (
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    list_id INTEGER NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    confirmed INTEGER NOT NULL DEFAULT 0,
    consent_at INTEGER NOT NULL,
    consent_text TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('form', 'preferences', 'import')),
    left_at INTEGER,
    PRIMARY KEY (subscriber_id, list_id)
);
CREATE INDEX newsletter_memberships_list ON newsletter_memberships (list_id, left_at);

CREATE TABLE newsletter_sends (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('digest', 'alert')),
    state TEXT NOT NULL CHECK (state IN ('draft', 'sending', 'sent')),
    subject TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    -- Article ids in order, and those an editor dropped (comma-separated).
    articles TEXT NOT NULL DEFAULT '',
    dropped TEXT NOT NULL DEFAULT '',
    -- An alert's article: an article is sent to a list as an alert once.
    alert_article_id INTEGER,
    slot INTEGER,
    -- The mail as rendered when queued; every recipient (and every retry)
    -- gets the same, with their own link token in place of a marker.
    sender_name TEXT NOT NULL DEFAULT '',
    html TEXT,
    text TEXT,
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (list_id, alert_article_id)
);
CREATE INDEX newsletter_sends_state ON newsletter_sends (state);

-- One send to one subscriber. A worker claims due rows with a lease (run_after
-- moved forward) and a claim number; a row is marked sent, under that claim,
-- before the message's final dot goes to the mail server.
CREATE TABLE newsletter_deliveries (
    send_id INTEGER NOT NULL REFERENCES newsletter_sends (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    claim INTEGER,
    sent_at INTEGER,
    error TEXT,
    PRIMARY KEY (send_id, subscriber_id)
);
CREATE INDEX newsletter_deliveries_due ON newsletter_deliveries (run_after) WHERE state = 'pending';
CREATE INDEX newsletter_deliveries_subscriber ON newsletter_deliveries (subscriber_id);
