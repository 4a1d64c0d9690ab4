-- The site's comment rules (PostgreSQL).
ALTER TABLE site_settings ADD COLUMN comment_policy TEXT NOT NULL DEFAULT 'hold_all';
ALTER TABLE site_settings ADD COLUMN comments_close_days BIGINT NOT NULL DEFAULT 0;
-- One term per line.
ALTER TABLE site_settings ADD COLUMN blocked_terms TEXT NOT NULL DEFAULT '';
CREATE INDEX comments_author_email ON comments (author_email, status);
