-- The site's menus (SQLite): a header menu and a footer menu, each a list
-- of links with one level of sub-menu. An item links to a section, a tag,
-- a page or an author (by id: it follows renames) or to an address.
CREATE TABLE menu_items (
    id INTEGER PRIMARY KEY,
    place TEXT NOT NULL,
    parent_id INTEGER REFERENCES menu_items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    label TEXT,
    kind TEXT NOT NULL,
    target_id INTEGER,
    url TEXT
);
CREATE INDEX menu_items_place ON menu_items (place, parent_id, position);
CREATE INDEX menu_items_target ON menu_items (kind, target_id);

-- Pages already in the menu or the footer keep their place there.
INSERT INTO menu_items (place, position, kind, target_id)
SELECT 'header', position, 'page', id FROM pages WHERE in_menu <> 0 ORDER BY position, title, id;
INSERT INTO menu_items (place, position, kind, target_id)
SELECT 'footer', position, 'page', id FROM pages WHERE in_footer <> 0 ORDER BY position, title, id;

-- Every page shows the menus.
CREATE TRIGGER page_menu_added AFTER INSERT ON menu_items
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

CREATE TRIGGER page_menu_changed AFTER UPDATE ON menu_items
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

CREATE TRIGGER page_menu_deleted AFTER DELETE ON menu_items
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

-- What an item links to is deleted: the item goes (its sub-menu with it).
CREATE TRIGGER menu_section_deleted AFTER DELETE ON categories
BEGIN
    DELETE FROM menu_items WHERE kind = 'section' AND target_id = OLD.id;
END;

CREATE TRIGGER menu_tag_deleted AFTER DELETE ON tags
BEGIN
    DELETE FROM menu_items WHERE kind = 'tag' AND target_id = OLD.id;
END;

CREATE TRIGGER menu_page_deleted AFTER DELETE ON pages
BEGIN
    DELETE FROM menu_items WHERE kind = 'page' AND target_id = OLD.id;
END;

CREATE TRIGGER menu_author_deleted AFTER DELETE ON authors
BEGIN
    DELETE FROM menu_items WHERE kind = 'author' AND target_id = OLD.id;
END;

-- Menus show their targets' names: a section, tag, author or page in a
-- menu that changes changes every page. Without a header menu of the
-- newsroom's, the header lists the top-level sections holding published
-- articles: a section renamed, or gaining its first published article or
-- losing its last, changes it too.
CREATE TRIGGER page_menu_follows AFTER INSERT ON page_changes
WHEN (NEW.topic GLOB 'category-*' AND (
        EXISTS (SELECT 1 FROM menu_items WHERE kind = 'section'
                AND target_id = CAST(substr(NEW.topic, 10) AS INTEGER))
        OR NOT EXISTS (SELECT 1 FROM menu_items WHERE place = 'header')))
  OR (NEW.topic GLOB 'tag-*' AND EXISTS (SELECT 1 FROM menu_items WHERE kind = 'tag'
        AND target_id = CAST(substr(NEW.topic, 5) AS INTEGER)))
  OR (NEW.topic GLOB 'author-*' AND EXISTS (SELECT 1 FROM menu_items WHERE kind = 'author'
        AND target_id = CAST(substr(NEW.topic, 8) AS INTEGER)))
  OR (NEW.topic GLOB 'page-*' AND EXISTS (SELECT 1 FROM menu_items WHERE kind = 'page'
        AND target_id = CAST(substr(NEW.topic, 6) AS INTEGER)))
  OR (NEW.topic GLOB 'in-category-*'
      AND NOT EXISTS (SELECT 1 FROM menu_items WHERE place = 'header')
      AND (SELECT count(*) FROM articles WHERE status = 'published'
           AND category_id = CAST(substr(NEW.topic, 13) AS INTEGER)) <= 1)
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;
