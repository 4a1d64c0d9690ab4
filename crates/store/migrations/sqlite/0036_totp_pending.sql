-- The key of a two-step set-up under way: kept here, never taken back from
-- the browser, and moved to totp_secret once a code made from it is typed.
ALTER TABLE users ADD COLUMN totp_pending TEXT;
