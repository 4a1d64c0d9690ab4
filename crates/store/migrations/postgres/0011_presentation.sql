-- How the site presents itself and its people (PostgreSQL): the newsroom's time
-- zone, a logo, which share links readers get, and author photos.
ALTER TABLE site_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE site_settings ADD COLUMN logo_id BIGINT REFERENCES media (id);
ALTER TABLE site_settings ADD COLUMN share_networks TEXT NOT NULL
    DEFAULT 'whatsapp,facebook,x,telegram,linkedin,email';
ALTER TABLE authors ADD COLUMN photo_id BIGINT REFERENCES media (id);
