-- Rate limits every app server shares (sign-in attempts per account and per
-- address, comments per address): one row per limited key — a SHA-256 of
-- what it limits, never the address or account itself — holding the
-- generic cell rate algorithm's "theoretical arrival time" in milliseconds.
-- A row whose time has passed is the same as none, and is pruned.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX throttles_tat ON throttles (tat);
