-- What cached pages must be dropped (SQLite). Each app server keeps its own
-- page cache; every cached page is filed under the topics it shows (see
-- kiosque-web's cache module), and these triggers name the topics a write
-- changes, whatever code path makes it (editor, scheduler, CLI, manual SQL).
--
-- Topics:
--   site                 settings, or a page linked from the menu or footer: every page
--   article-N            a published (or formerly published) article's content
--   comments-N           the approved comments under article N
--   all-articles         which articles are published, and when: home, feeds, date archives
--   in-category-N        which articles a section lists
--   in-tag-N             which articles a tag lists
--   in-author-N          which articles an author signs or contributed to
--   category-N, tag-N, author-N, media-N, page-N   the thing itself changed
CREATE TABLE page_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    changed_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);
CREATE INDEX page_changes_time ON page_changes (changed_at);

CREATE TRIGGER page_site_added AFTER INSERT ON site_settings
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

CREATE TRIGGER page_site_changed AFTER UPDATE ON site_settings
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

CREATE TRIGGER page_article_added AFTER INSERT ON articles
WHEN NEW.status = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || NEW.id
    UNION ALL SELECT 'all-articles'
    UNION ALL SELECT 'in-author-' || NEW.author_id
    UNION ALL SELECT 'in-category-' || NEW.category_id WHERE NEW.category_id IS NOT NULL;
END;

CREATE TRIGGER page_article_changed AFTER UPDATE ON articles
WHEN NEW.status = 'published' OR OLD.status = 'published'
BEGIN
    INSERT INTO page_changes (topic) VALUES ('article-' || NEW.id);
END;

-- Lists change only when an article enters or leaves them, or moves in
-- them: an edit of the text alone drops the pages showing the article
-- (filed under article-N), not every page of its section.
CREATE TRIGGER page_article_moved AFTER UPDATE ON articles
WHEN (NEW.status = 'published' OR OLD.status = 'published')
 AND (OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at
      OR OLD.category_id IS NOT NEW.category_id OR OLD.author_id IS NOT NEW.author_id)
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'all-articles'
    UNION ALL SELECT 'in-author-' || OLD.author_id
    UNION ALL SELECT 'in-author-' || NEW.author_id WHERE NEW.author_id IS NOT OLD.author_id
    UNION ALL SELECT 'in-category-' || OLD.category_id WHERE OLD.category_id IS NOT NULL
    UNION ALL SELECT 'in-category-' || NEW.category_id
        WHERE NEW.category_id IS NOT NULL AND NEW.category_id IS NOT OLD.category_id
    UNION ALL SELECT 'in-tag-' || tag_id FROM article_tags WHERE article_id = NEW.id
    UNION ALL SELECT 'in-author-' || author_id FROM article_contributors WHERE article_id = NEW.id;
END;

-- Before, while its tags and bylines still exist.
CREATE TRIGGER page_article_deleted BEFORE DELETE ON articles
WHEN OLD.status = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || OLD.id
    UNION ALL SELECT 'all-articles'
    UNION ALL SELECT 'in-author-' || OLD.author_id
    UNION ALL SELECT 'in-category-' || OLD.category_id WHERE OLD.category_id IS NOT NULL
    UNION ALL SELECT 'in-tag-' || tag_id FROM article_tags WHERE article_id = OLD.id
    UNION ALL SELECT 'in-author-' || author_id FROM article_contributors WHERE article_id = OLD.id;
END;

CREATE TRIGGER page_tag_added AFTER INSERT ON article_tags
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || NEW.article_id UNION ALL SELECT 'in-tag-' || NEW.tag_id;
END;

CREATE TRIGGER page_tag_removed AFTER DELETE ON article_tags
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || OLD.article_id UNION ALL SELECT 'in-tag-' || OLD.tag_id;
END;

CREATE TRIGGER page_contributor_added AFTER INSERT ON article_contributors
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || NEW.article_id UNION ALL SELECT 'in-author-' || NEW.author_id;
END;

CREATE TRIGGER page_contributor_removed AFTER DELETE ON article_contributors
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || OLD.article_id UNION ALL SELECT 'in-author-' || OLD.author_id;
END;

CREATE TRIGGER page_comment_added AFTER INSERT ON comments
WHEN NEW.status = 'approved'
BEGIN
    INSERT INTO page_changes (topic) VALUES ('comments-' || NEW.article_id);
END;

-- Readers see approved comments only; teaching the spam filter
-- (spam_label) changes nothing they see.
CREATE TRIGGER page_comment_changed
AFTER UPDATE OF status, body, author_name, author_url, parent_id, article_id ON comments
WHEN NEW.status = 'approved' OR OLD.status = 'approved'
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'comments-' || OLD.article_id
    UNION ALL SELECT 'comments-' || NEW.article_id WHERE NEW.article_id <> OLD.article_id;
END;

CREATE TRIGGER page_comment_deleted AFTER DELETE ON comments
WHEN OLD.status = 'approved'
BEGIN
    INSERT INTO page_changes (topic) VALUES ('comments-' || OLD.article_id);
END;

-- Saving an article re-writes the rows of its section, tags and authors
-- with the same values: only a real change counts.
CREATE TRIGGER page_category_changed AFTER UPDATE ON categories
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    INSERT INTO page_changes (topic) VALUES ('category-' || NEW.id);
END;

CREATE TRIGGER page_category_deleted AFTER DELETE ON categories
BEGIN
    INSERT INTO page_changes (topic) VALUES ('category-' || OLD.id);
END;

CREATE TRIGGER page_tag_changed AFTER UPDATE ON tags
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    INSERT INTO page_changes (topic) VALUES ('tag-' || NEW.id);
END;

CREATE TRIGGER page_tag_deleted AFTER DELETE ON tags
BEGIN
    INSERT INTO page_changes (topic) VALUES ('tag-' || OLD.id);
END;

CREATE TRIGGER page_author_changed AFTER UPDATE ON authors
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug OR OLD.bio IS NOT NEW.bio
  OR OLD.expertise IS NOT NEW.expertise OR OLD.links IS NOT NEW.links
  OR OLD.photo_id IS NOT NEW.photo_id
BEGIN
    INSERT INTO page_changes (topic) VALUES ('author-' || NEW.id);
END;

-- Articles name further bylines without their id: a rename notes them.
CREATE TRIGGER page_contributor_renamed AFTER UPDATE ON authors
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'article-' || ac.article_id FROM article_contributors ac
    JOIN articles a ON a.id = ac.article_id
    WHERE ac.author_id = NEW.id AND a.status = 'published';
END;

CREATE TRIGGER page_author_deleted AFTER DELETE ON authors
BEGIN
    INSERT INTO page_changes (topic) VALUES ('author-' || OLD.id);
END;

-- Copies made in the background, alt text or caption edited in the library.
CREATE TRIGGER page_media_changed AFTER UPDATE ON media
WHEN OLD.file_name IS NOT NEW.file_name OR OLD.width IS NOT NEW.width
  OR OLD.height IS NOT NEW.height OR OLD.color IS NOT NEW.color
  OR OLD.variants IS NOT NEW.variants OR OLD.alt IS NOT NEW.alt
  OR OLD.caption IS NOT NEW.caption OR OLD.credit IS NOT NEW.credit
BEGIN
    INSERT INTO page_changes (topic) VALUES ('media-' || NEW.id);
END;

CREATE TRIGGER page_media_deleted AFTER DELETE ON media
BEGIN
    INSERT INTO page_changes (topic) VALUES ('media-' || OLD.id);
END;

-- A page in the menu or footer is linked from every page; a page added,
-- moved or removed may take or free an address an article had (pages come
-- first at /slug/): these drop everything.
CREATE TRIGGER page_page_added AFTER INSERT ON pages
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;

CREATE TRIGGER page_page_changed AFTER UPDATE ON pages
BEGIN
    INSERT INTO page_changes (topic)
    SELECT 'page-' || NEW.id
    UNION ALL SELECT 'site'
        WHERE NEW.in_menu <> 0 OR NEW.in_footer <> 0 OR OLD.in_menu <> 0 OR OLD.in_footer <> 0
           OR NEW.slug <> OLD.slug;
END;

CREATE TRIGGER page_page_deleted AFTER DELETE ON pages
BEGIN
    INSERT INTO page_changes (topic) VALUES ('site');
END;
