-- What search must re-read (SQLite). Each app server keeps its own search
-- index and catches up by reading the changes after the last sequence number
-- it applied. Triggers write them, so no write path (editor, scheduler,
-- renames, imports) can forget to; only articles that are or were published
-- are noted, so autosaved drafts cost nothing.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    changed_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);
CREATE INDEX search_changes_time ON search_changes (changed_at);

CREATE TRIGGER search_article_added AFTER INSERT ON articles
WHEN NEW.status = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (NEW.id);
END;

CREATE TRIGGER search_article_changed
AFTER UPDATE OF slug, title, body_markdown, excerpt, author_id, category_id, published_at, status
ON articles
WHEN NEW.status = 'published' OR OLD.status = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (NEW.id);
END;

CREATE TRIGGER search_article_deleted AFTER DELETE ON articles
WHEN OLD.status = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (OLD.id);
END;

CREATE TRIGGER search_tag_added AFTER INSERT ON article_tags
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (NEW.article_id);
END;

CREATE TRIGGER search_tag_removed AFTER DELETE ON article_tags
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (OLD.article_id);
END;

CREATE TRIGGER search_contributor_added AFTER INSERT ON article_contributors
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (NEW.article_id);
END;

CREATE TRIGGER search_contributor_removed AFTER DELETE ON article_contributors
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (OLD.article_id);
END;

-- Saving an article re-writes its tags' rows with the same names: only a
-- real rename counts, or one save would note every article of the tag.
CREATE TRIGGER search_tag_renamed AFTER UPDATE OF name ON tags
WHEN OLD.name <> NEW.name
BEGIN
    INSERT INTO search_changes (article_id)
    SELECT at.article_id FROM article_tags at JOIN articles a ON a.id = at.article_id
    WHERE at.tag_id = NEW.id AND a.status = 'published';
END;

CREATE TRIGGER search_category_renamed AFTER UPDATE OF name, slug ON categories
WHEN OLD.name <> NEW.name OR OLD.slug <> NEW.slug
BEGIN
    INSERT INTO search_changes (article_id)
    SELECT id FROM articles WHERE category_id = NEW.id AND status = 'published';
END;

CREATE TRIGGER search_author_renamed AFTER UPDATE OF name ON authors
WHEN OLD.name <> NEW.name
BEGIN
    INSERT INTO search_changes (article_id)
    SELECT id FROM articles WHERE author_id = NEW.id AND status = 'published'
    UNION
    SELECT ac.article_id FROM article_contributors ac JOIN articles a ON a.id = ac.article_id
    WHERE ac.author_id = NEW.id AND a.status = 'published';
END;
