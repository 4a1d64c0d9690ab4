-- A tag's page and a further byline's page list published articles newest
-- first. Found through article_tags or article_contributors, each article
-- had to be looked up to check its status and date — slow for a big tag
-- (counting one scanned every published article). So each of those rows
-- carries its article's publication time while the article is published
-- (NULL otherwise), kept by the triggers below whatever code path writes,
-- and a tag's list and count read one index.
ALTER TABLE article_tags ADD COLUMN listed_at INTEGER;
ALTER TABLE article_contributors ADD COLUMN listed_at INTEGER;

UPDATE article_tags SET listed_at =
    (SELECT published_at FROM articles a WHERE a.id = article_tags.article_id AND a.status = 'published');
UPDATE article_contributors SET listed_at =
    (SELECT published_at FROM articles a WHERE a.id = article_contributors.article_id AND a.status = 'published');

CREATE INDEX article_tags_listed ON article_tags (tag_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;
CREATE INDEX article_contributors_listed
    ON article_contributors (author_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE TRIGGER listed_tag_added AFTER INSERT ON article_tags
BEGIN
    UPDATE article_tags SET listed_at =
        (SELECT published_at FROM articles WHERE id = NEW.article_id AND status = 'published')
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

CREATE TRIGGER listed_contributor_added AFTER INSERT ON article_contributors
BEGIN
    UPDATE article_contributors SET listed_at =
        (SELECT published_at FROM articles WHERE id = NEW.article_id AND status = 'published')
    WHERE article_id = NEW.article_id AND position = NEW.position;
END;

CREATE TRIGGER listed_article_moved AFTER UPDATE OF status, published_at ON articles
WHEN OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at
BEGIN
    UPDATE article_tags
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END
    WHERE article_id = NEW.id;
    UPDATE article_contributors
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END
    WHERE article_id = NEW.id;
END;
