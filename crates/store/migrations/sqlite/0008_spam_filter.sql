-- What the spam filter has learned from the moderators (SQLite).
CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY,
    spam INTEGER NOT NULL DEFAULT 0,
    ham INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE spam_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    spam INTEGER NOT NULL,
    ham INTEGER NOT NULL
);
INSERT INTO spam_totals (id, spam, ham) VALUES (1, 0, 0);
-- How each comment was learned ('spam' or 'ham'), so a change of mind
-- moves it instead of counting it twice.
ALTER TABLE comments ADD COLUMN spam_label TEXT;
