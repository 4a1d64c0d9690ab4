-- Article type, search-engine texts, sources cited and corrections (SQLite).
ALTER TABLE articles ADD COLUMN article_type TEXT NOT NULL DEFAULT 'news'
    CHECK (article_type IN ('news', 'analysis', 'opinion', 'sponsored'));
ALTER TABLE articles ADD COLUMN seo_title TEXT;
ALTER TABLE articles ADD COLUMN seo_description TEXT;

CREATE TABLE article_sources (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    url TEXT,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE article_corrections (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    noted_at INTEGER NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id, noted_at);
