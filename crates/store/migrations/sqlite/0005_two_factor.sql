-- Two-factor sign-in with time-based codes (SQLite).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- The last 30-second step whose code was accepted: a code is good once.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
-- A session opened with the password only, waiting for the code.
ALTER TABLE sessions ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE site_settings ADD COLUMN require_admin_2fa INTEGER NOT NULL DEFAULT 0;
