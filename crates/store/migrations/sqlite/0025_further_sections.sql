-- An article in several sections (SQLite): its first section stays in
-- articles.category_id (its address, breadcrumb, JSON-LD); the further
-- ones are listed here. Each row carries its article's publication time
-- while the article is published (NULL otherwise), as tags do (0019), so
-- a section's list reads two indexes: its own articles and these rows.
CREATE TABLE article_sections (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    listed_at INTEGER,
    PRIMARY KEY (article_id, category_id)
);
CREATE INDEX article_sections_listed
    ON article_sections (category_id, listed_at DESC, article_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE TRIGGER listed_section_added AFTER INSERT ON article_sections
BEGIN
    UPDATE article_sections SET listed_at =
        (SELECT published_at FROM articles WHERE id = NEW.article_id AND status = 'published')
    WHERE article_id = NEW.article_id AND category_id = NEW.category_id;
END;

CREATE TRIGGER listed_sections_moved AFTER UPDATE OF status, published_at ON articles
WHEN OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at
BEGIN
    UPDATE article_sections
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END
    WHERE article_id = NEW.id;
END;

-- The page log (0017): a further section's list changes with the article
-- entering, leaving or moving in it.
CREATE TRIGGER page_section_added AFTER INSERT ON article_sections
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || NEW.article_id UNION ALL SELECT 'in-category-' || NEW.category_id;
END;

CREATE TRIGGER page_section_removed AFTER DELETE ON article_sections
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || OLD.article_id UNION ALL SELECT 'in-category-' || OLD.category_id;
END;

CREATE TRIGGER page_sections_moved AFTER UPDATE ON articles
WHEN (NEW.status = 'published' OR OLD.status = 'published')
 AND (OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at)
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'in-category-' || category_id FROM article_sections WHERE article_id = NEW.id;
END;

CREATE TRIGGER page_sections_deleted BEFORE DELETE ON articles
WHEN OLD.status = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'in-category-' || category_id FROM article_sections WHERE article_id = OLD.id;
END;

-- The search log (0014): a search filtered by section finds the article
-- in each of its sections.
CREATE TRIGGER search_section_added AFTER INSERT ON article_sections
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (NEW.article_id);
END;

CREATE TRIGGER search_section_removed AFTER DELETE ON article_sections
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO search_changes (article_id) VALUES (OLD.article_id);
END;
