-- The newsroom's look without template work (SQLite): an accent colour
-- (empty for the theme's own) and the header's layout.
ALTER TABLE site_settings ADD COLUMN accent TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN header_centred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE site_settings ADD COLUMN show_tagline INTEGER NOT NULL DEFAULT 1;
