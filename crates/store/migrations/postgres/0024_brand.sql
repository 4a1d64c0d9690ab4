-- The newsroom's look without template work (PostgreSQL); see the SQLite twin.
ALTER TABLE site_settings ADD COLUMN accent TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN header_centred BIGINT NOT NULL DEFAULT 0;
ALTER TABLE site_settings ADD COLUMN show_tagline BIGINT NOT NULL DEFAULT 1;
