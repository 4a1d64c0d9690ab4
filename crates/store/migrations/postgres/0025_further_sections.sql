-- An article in several sections (PostgreSQL); see the SQLite twin.
CREATE TABLE article_sections (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    position BIGINT NOT NULL DEFAULT 0,
    listed_at BIGINT,
    PRIMARY KEY (article_id, category_id)
);
CREATE INDEX article_sections_listed
    ON article_sections (category_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE TRIGGER listed_section_added BEFORE INSERT ON article_sections
FOR EACH ROW EXECUTE FUNCTION listed_row_added();

CREATE FUNCTION listed_sections_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_sections
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END
    WHERE article_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER listed_sections_moved AFTER UPDATE OF status, published_at ON articles
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION listed_sections_moved();

CREATE FUNCTION page_note_section() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    part RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN
        part := OLD;
    ELSE
        part := NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM articles WHERE id = part.article_id AND status = 'published') THEN
        PERFORM page_log('article-' || part.article_id);
        PERFORM page_log('in-category-' || part.category_id);
        PERFORM search_log(part.article_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_article_sections AFTER INSERT OR DELETE ON article_sections
FOR EACH ROW EXECUTE FUNCTION page_note_section();

CREATE FUNCTION page_sections_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'published' THEN
            PERFORM page_log('in-category-' || category_id)
            FROM article_sections WHERE article_id = OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF (NEW.status = 'published' OR OLD.status = 'published')
       AND (OLD.status IS DISTINCT FROM NEW.status
            OR OLD.published_at IS DISTINCT FROM NEW.published_at) THEN
        PERFORM page_log('in-category-' || category_id)
        FROM article_sections WHERE article_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_sections_moved AFTER UPDATE ON articles
FOR EACH ROW EXECUTE FUNCTION page_sections_moved();
CREATE TRIGGER page_sections_deleted BEFORE DELETE ON articles
FOR EACH ROW EXECUTE FUNCTION page_sections_moved();
