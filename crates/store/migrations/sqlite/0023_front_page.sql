-- The front page the newsroom chooses (SQLite): pinned stories (the first
-- is the lead), blocks of a section's latest articles, a breaking-news
-- banner and the site's tagline (both on every page, with the settings).
CREATE TABLE front_pins (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL
);

CREATE TABLE front_sections (
    category_id INTEGER PRIMARY KEY REFERENCES categories (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    count INTEGER NOT NULL DEFAULT 4
);

ALTER TABLE site_settings ADD COLUMN tagline TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_text TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_url TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_until INTEGER;

-- Only the front page shows its pins and blocks: topic `front`.
CREATE TRIGGER page_front_pin_added AFTER INSERT ON front_pins
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;

CREATE TRIGGER page_front_pin_changed AFTER UPDATE ON front_pins
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;

CREATE TRIGGER page_front_pin_deleted AFTER DELETE ON front_pins
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;

CREATE TRIGGER page_front_section_added AFTER INSERT ON front_sections
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;

CREATE TRIGGER page_front_section_changed AFTER UPDATE ON front_sections
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;

CREATE TRIGGER page_front_section_deleted AFTER DELETE ON front_sections
BEGIN
    INSERT INTO page_changes (topic) VALUES ('front');
END;
