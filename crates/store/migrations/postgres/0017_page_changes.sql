-- What cached pages must be dropped (PostgreSQL). Each app server keeps its
-- own page cache; every cached page is filed under the topics it shows (see
-- kiosque-web's cache module), and these triggers name the topics a write
-- changes, whatever code path makes it (editor, scheduler, CLI, manual SQL).
-- The topics are listed in the SQLite twin of this file.
CREATE TABLE page_changes (
    seq BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    changed_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::BIGINT)
);
CREATE INDEX page_changes_time ON page_changes (changed_at);

-- Numbers must become visible in order (see search_log in 0014). The lock
-- is the search log's own: one lock for both logs, so two transactions can
-- never each hold one and wait for the other.
CREATE FUNCTION page_log(changed TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kiosque.search_changes'));
    INSERT INTO page_changes (topic) VALUES (changed);
END $$;

-- The lists an article is in: the site's, its section's, its authors', its tags'.
CREATE FUNCTION page_log_lists(article BIGINT, author BIGINT, category BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM page_log('all-articles');
    PERFORM page_log('in-author-' || author);
    IF category IS NOT NULL THEN
        PERFORM page_log('in-category-' || category);
    END IF;
    PERFORM page_log('in-tag-' || tag_id) FROM article_tags WHERE article_id = article;
    PERFORM page_log('in-author-' || author_id) FROM article_contributors WHERE article_id = article;
END $$;

CREATE FUNCTION page_note_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM page_log('site');
    RETURN NULL;
END $$;

CREATE TRIGGER page_site AFTER INSERT OR UPDATE ON site_settings
FOR EACH ROW EXECUTE FUNCTION page_note_site();

CREATE FUNCTION page_note_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Before the delete, while its tags and bylines still exist.
        IF OLD.status = 'published' THEN
            PERFORM page_log('article-' || OLD.id);
            PERFORM page_log_lists(OLD.id, OLD.author_id, OLD.category_id);
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'published' THEN
            PERFORM page_log('article-' || NEW.id);
            PERFORM page_log_lists(NEW.id, NEW.author_id, NEW.category_id);
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'published' OR OLD.status = 'published' THEN
        PERFORM page_log('article-' || NEW.id);
        -- Lists change only when an article enters, leaves or moves in them.
        IF OLD.status IS DISTINCT FROM NEW.status
           OR OLD.published_at IS DISTINCT FROM NEW.published_at
           OR OLD.category_id IS DISTINCT FROM NEW.category_id
           OR OLD.author_id IS DISTINCT FROM NEW.author_id THEN
            PERFORM page_log_lists(NEW.id, NEW.author_id, NEW.category_id);
            IF OLD.author_id IS DISTINCT FROM NEW.author_id THEN
                PERFORM page_log('in-author-' || OLD.author_id);
            END IF;
            IF OLD.category_id IS NOT NULL AND OLD.category_id IS DISTINCT FROM NEW.category_id THEN
                PERFORM page_log('in-category-' || OLD.category_id);
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER page_article_written AFTER INSERT OR UPDATE ON articles
FOR EACH ROW EXECUTE FUNCTION page_note_article();
CREATE TRIGGER page_article_deleted BEFORE DELETE ON articles
FOR EACH ROW EXECUTE FUNCTION page_note_article();

CREATE FUNCTION page_note_article_part() RETURNS trigger LANGUAGE plpgsql AS $$
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
        IF TG_TABLE_NAME = 'article_tags' THEN
            PERFORM page_log('in-tag-' || part.tag_id);
        ELSE
            PERFORM page_log('in-author-' || part.author_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_article_tags AFTER INSERT OR DELETE ON article_tags
FOR EACH ROW EXECUTE FUNCTION page_note_article_part();
CREATE TRIGGER page_article_contributors AFTER INSERT OR DELETE ON article_contributors
FOR EACH ROW EXECUTE FUNCTION page_note_article_part();

-- Readers see approved comments only; teaching the spam filter
-- (spam_label) changes nothing they see.
CREATE FUNCTION page_note_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'approved' THEN
        PERFORM page_log('comments-' || OLD.article_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'approved'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'approved' OR NEW.article_id <> OLD.article_id) THEN
        PERFORM page_log('comments-' || NEW.article_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_comment_added AFTER INSERT OR DELETE ON comments
FOR EACH ROW EXECUTE FUNCTION page_note_comment();
CREATE TRIGGER page_comment_changed
AFTER UPDATE OF status, body, author_name, author_url, parent_id, article_id ON comments
FOR EACH ROW EXECUTE FUNCTION page_note_comment();

-- Sections, tags, authors, images and pages: the thing itself. Saving an
-- article re-writes the rows of its section, tags and authors with the
-- same values: only a real change counts.
CREATE FUNCTION page_note_thing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prefix TEXT := CASE TG_TABLE_NAME
        WHEN 'categories' THEN 'category-' WHEN 'tags' THEN 'tag-'
        WHEN 'authors' THEN 'author-' WHEN 'media' THEN 'media-' ELSE 'page-' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM page_log(prefix || OLD.id);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NOT (OLD IS DISTINCT FROM NEW) THEN
        RETURN NULL;
    END IF;
    PERFORM page_log(prefix || NEW.id);
    -- Articles name further bylines without their id: a rename notes them.
    -- (Nested: a record of another table has no name field to compare.)
    IF TG_TABLE_NAME = 'authors' THEN
        IF OLD.name <> NEW.name OR OLD.slug <> NEW.slug THEN
            PERFORM page_log('article-' || ac.article_id) FROM article_contributors ac
            JOIN articles a ON a.id = ac.article_id
            WHERE ac.author_id = NEW.id AND a.status = 'published';
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_category AFTER UPDATE OR DELETE ON categories
FOR EACH ROW EXECUTE FUNCTION page_note_thing();
CREATE TRIGGER page_tag AFTER UPDATE OR DELETE ON tags
FOR EACH ROW EXECUTE FUNCTION page_note_thing();
CREATE TRIGGER page_author AFTER UPDATE OR DELETE ON authors
FOR EACH ROW EXECUTE FUNCTION page_note_thing();
CREATE TRIGGER page_media AFTER UPDATE OR DELETE ON media
FOR EACH ROW EXECUTE FUNCTION page_note_thing();

-- A page in the menu or footer is linked from every page; a page added,
-- moved or removed may take or free an address an article had (pages come
-- first at /slug/): these drop everything.
CREATE FUNCTION page_note_page() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        PERFORM page_log('site');
        RETURN NULL;
    END IF;
    PERFORM page_log('page-' || NEW.id);
    IF NEW.in_menu <> 0 OR NEW.in_footer <> 0 OR OLD.in_menu <> 0 OR OLD.in_footer <> 0
       OR NEW.slug <> OLD.slug THEN
        PERFORM page_log('site');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_page AFTER INSERT OR UPDATE OR DELETE ON pages
FOR EACH ROW EXECUTE FUNCTION page_note_page();
