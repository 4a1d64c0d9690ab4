-- What the spam filter has learned from the moderators (PostgreSQL).
CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY,
    spam BIGINT NOT NULL DEFAULT 0,
    ham BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE spam_totals (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    spam BIGINT NOT NULL,
    ham BIGINT NOT NULL
);
INSERT INTO spam_totals (id, spam, ham) VALUES (1, 0, 0);
-- How each comment was learned ('spam' or 'ham'), so a change of mind
-- moves it instead of counting it twice.
ALTER TABLE comments ADD COLUMN spam_label TEXT;
