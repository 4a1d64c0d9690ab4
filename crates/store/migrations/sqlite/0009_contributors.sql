-- Further names in an article's byline, with their part (SQLite).
CREATE TABLE article_contributors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    role TEXT,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX article_contributors_author ON article_contributors (author_id);
