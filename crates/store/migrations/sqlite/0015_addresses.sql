-- Article addresses and feeds (SQLite): the shape of article URLs, whether
-- feeds carry whole articles, and the slugs articles had before, so old
-- links still lead to them (301).
ALTER TABLE site_settings ADD COLUMN permalink TEXT NOT NULL DEFAULT 'year-month';
ALTER TABLE site_settings ADD COLUMN full_text_feeds INTEGER NOT NULL DEFAULT 0;

CREATE TABLE article_old_slugs (
    slug TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);
CREATE INDEX article_old_slugs_article ON article_old_slugs (article_id);

-- Written by a trigger so every way of renaming (editor, kiosque publish,
-- an import) keeps the old address.
CREATE TRIGGER article_slug_changed AFTER UPDATE OF slug ON articles
WHEN OLD.slug <> NEW.slug
BEGIN
    INSERT INTO article_old_slugs (slug, article_id) VALUES (OLD.slug, NEW.id)
    ON CONFLICT (slug) DO UPDATE SET article_id = excluded.article_id;
END;
