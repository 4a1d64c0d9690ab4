-- Further names in an article's byline, with their part (PostgreSQL).
CREATE TABLE article_contributors (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES authors (id),
    role TEXT,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX article_contributors_author ON article_contributors (author_id);
