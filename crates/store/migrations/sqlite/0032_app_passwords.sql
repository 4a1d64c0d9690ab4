-- WordPress's Application Passwords, for the integrations that speak its
-- API: a name the user gave, the password's Argon2id hash, when it was
-- made and last used. Revoking one deletes its row.
CREATE TABLE app_passwords (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX app_passwords_user ON app_passwords (user_id);
