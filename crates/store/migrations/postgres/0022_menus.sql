-- The site's menus (PostgreSQL); see the SQLite twin of this file.
CREATE TABLE menu_items (
    id BIGSERIAL PRIMARY KEY,
    place TEXT NOT NULL,
    parent_id BIGINT REFERENCES menu_items (id) ON DELETE CASCADE,
    position BIGINT NOT NULL DEFAULT 0,
    label TEXT,
    kind TEXT NOT NULL,
    target_id BIGINT,
    url TEXT
);
CREATE INDEX menu_items_place ON menu_items (place, parent_id, position);
CREATE INDEX menu_items_target ON menu_items (kind, target_id);

INSERT INTO menu_items (place, position, kind, target_id)
SELECT 'header', position, 'page', id FROM pages WHERE in_menu <> 0 ORDER BY position, title, id;
INSERT INTO menu_items (place, position, kind, target_id)
SELECT 'footer', position, 'page', id FROM pages WHERE in_footer <> 0 ORDER BY position, title, id;

CREATE TRIGGER page_menu AFTER INSERT OR UPDATE OR DELETE ON menu_items
FOR EACH ROW EXECUTE FUNCTION page_note_site();

CREATE FUNCTION menu_target_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM menu_items WHERE target_id = OLD.id AND kind = CASE TG_TABLE_NAME
        WHEN 'categories' THEN 'section' WHEN 'tags' THEN 'tag'
        WHEN 'pages' THEN 'page' ELSE 'author' END;
    RETURN NULL;
END $$;

CREATE TRIGGER menu_section_deleted AFTER DELETE ON categories
FOR EACH ROW EXECUTE FUNCTION menu_target_deleted();
CREATE TRIGGER menu_tag_deleted AFTER DELETE ON tags
FOR EACH ROW EXECUTE FUNCTION menu_target_deleted();
CREATE TRIGGER menu_page_deleted AFTER DELETE ON pages
FOR EACH ROW EXECUTE FUNCTION menu_target_deleted();
CREATE TRIGGER menu_author_deleted AFTER DELETE ON authors
FOR EACH ROW EXECUTE FUNCTION menu_target_deleted();

-- Menus show their targets' names; the default header shows the
-- top-level sections holding published articles (see the SQLite twin).
CREATE FUNCTION page_menu_follows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    item_kind TEXT;
    target BIGINT;
    has_header BOOLEAN;
BEGIN
    IF NEW.topic LIKE 'in-category-%' THEN
        SELECT EXISTS (SELECT 1 FROM menu_items WHERE place = 'header') INTO has_header;
        target := substring(NEW.topic FROM 13)::BIGINT;
        IF NOT has_header AND (SELECT count(*) FROM articles
                WHERE status = 'published' AND category_id = target) <= 1 THEN
            PERFORM page_log('site');
        END IF;
        RETURN NULL;
    END IF;
    item_kind := CASE
        WHEN NEW.topic LIKE 'category-%' THEN 'section'
        WHEN NEW.topic LIKE 'tag-%' THEN 'tag'
        WHEN NEW.topic LIKE 'author-%' THEN 'author'
        WHEN NEW.topic LIKE 'page-%' THEN 'page'
        ELSE NULL END;
    IF item_kind IS NULL THEN
        RETURN NULL;
    END IF;
    target := substring(NEW.topic FROM position('-' IN NEW.topic) + 1)::BIGINT;
    IF EXISTS (SELECT 1 FROM menu_items m WHERE m.kind = item_kind AND m.target_id = target)
       OR (item_kind = 'section' AND NOT EXISTS (SELECT 1 FROM menu_items WHERE place = 'header')) THEN
        PERFORM page_log('site');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER page_menu_follows AFTER INSERT ON page_changes
FOR EACH ROW WHEN (NEW.topic <> 'site') EXECUTE FUNCTION page_menu_follows();
