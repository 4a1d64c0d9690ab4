-- A tag's and a further byline's list read one index: each row of
-- article_tags and article_contributors carries its article's publication
-- time while the article is published (NULL otherwise). Why, in the SQLite
-- twin of this file.
ALTER TABLE article_tags ADD COLUMN listed_at BIGINT;
ALTER TABLE article_contributors ADD COLUMN listed_at BIGINT;

UPDATE article_tags t SET listed_at = a.published_at
FROM articles a WHERE a.id = t.article_id AND a.status = 'published';
UPDATE article_contributors c SET listed_at = a.published_at
FROM articles a WHERE a.id = c.article_id AND a.status = 'published';

CREATE INDEX article_tags_listed ON article_tags (tag_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;
CREATE INDEX article_contributors_listed
    ON article_contributors (author_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE FUNCTION listed_row_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT published_at INTO NEW.listed_at FROM articles
    WHERE id = NEW.article_id AND status = 'published';
    RETURN NEW;
END $$;

CREATE TRIGGER listed_tag_added BEFORE INSERT ON article_tags
FOR EACH ROW EXECUTE FUNCTION listed_row_added();
CREATE TRIGGER listed_contributor_added BEFORE INSERT ON article_contributors
FOR EACH ROW EXECUTE FUNCTION listed_row_added();

CREATE FUNCTION listed_article_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed BIGINT := CASE WHEN NEW.status = 'published' THEN NEW.published_at END;
BEGIN
    UPDATE article_tags SET listed_at = listed WHERE article_id = NEW.id;
    UPDATE article_contributors SET listed_at = listed WHERE article_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER listed_article_moved AFTER UPDATE OF status, published_at ON articles
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION listed_article_moved();
