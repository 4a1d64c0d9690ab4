-- What search must re-read (PostgreSQL). Each app server keeps its own search
-- index and catches up by reading the changes after the last sequence number
-- it applied. Triggers write them, so no write path (editor, scheduler,
-- renames, imports) can forget to; only articles that are or were published
-- are noted, so autosaved drafts cost nothing.
CREATE TABLE search_changes (
    seq BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL,
    changed_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::BIGINT)
);
CREATE INDEX search_changes_time ON search_changes (changed_at);

-- Readers take the log in sequence order and remember the last number they
-- applied, so a number must never become visible after a higher one. With
-- concurrent transactions a sequence alone does not promise that (the
-- higher number may commit first); taking this lock before writing to the
-- log, held until commit, makes numbers commit in order. Newsroom writes
-- are few and short, so waiting on it costs nothing noticeable.
CREATE FUNCTION search_log(changed BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kiosque.search_changes'));
    INSERT INTO search_changes (article_id) VALUES (changed);
END $$;

CREATE FUNCTION search_note_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'published' THEN
            PERFORM search_log(OLD.id);
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.status = 'published' OR (TG_OP = 'UPDATE' AND OLD.status = 'published') THEN
        PERFORM search_log(NEW.id);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER search_article AFTER INSERT OR DELETE
OR UPDATE OF slug, title, body_markdown, excerpt, author_id, category_id, published_at, status
ON articles FOR EACH ROW EXECUTE FUNCTION search_note_article();

-- Tags and further bylines: rows of tables keyed by article_id.
CREATE FUNCTION search_note_article_part() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.article_id;
    ELSE
        changed := NEW.article_id;
    END IF;
    PERFORM search_log(id) FROM articles WHERE id = changed AND status = 'published';
    RETURN NULL;
END $$;

CREATE TRIGGER search_article_tags AFTER INSERT OR DELETE ON article_tags
FOR EACH ROW EXECUTE FUNCTION search_note_article_part();
CREATE TRIGGER search_article_contributors AFTER INSERT OR DELETE ON article_contributors
FOR EACH ROW EXECUTE FUNCTION search_note_article_part();

CREATE FUNCTION search_note_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tags' THEN
        PERFORM search_log(at.article_id) FROM article_tags at JOIN articles a ON a.id = at.article_id
        WHERE at.tag_id = NEW.id AND a.status = 'published';
    ELSIF TG_TABLE_NAME = 'categories' THEN
        PERFORM search_log(id) FROM articles WHERE category_id = NEW.id AND status = 'published';
    ELSE
        PERFORM search_log(id) FROM (
            SELECT id FROM articles WHERE author_id = NEW.id AND status = 'published'
            UNION
            SELECT ac.article_id FROM article_contributors ac JOIN articles a ON a.id = ac.article_id
            WHERE ac.author_id = NEW.id AND a.status = 'published'
        ) AS changed;
    END IF;
    RETURN NULL;
END $$;

-- Saving an article re-writes its tags' rows with the same names: only a
-- real rename counts, or one save would note every article of the tag.
CREATE TRIGGER search_tag_renamed AFTER UPDATE OF name ON tags
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_note_renamed();
CREATE TRIGGER search_category_renamed AFTER UPDATE OF name, slug ON categories
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION search_note_renamed();
CREATE TRIGGER search_author_renamed AFTER UPDATE OF name ON authors
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_note_renamed();
