-- Editorial workflow (SQLite): article status, optimistic-concurrency
-- version, who created it, and a revision per save.
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'unpublished'));
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX articles_status ON articles (status, published_at DESC);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    saved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    saved_at INTEGER NOT NULL,
    UNIQUE (article_id, version)
);
