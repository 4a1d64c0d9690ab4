-- The front page the newsroom chooses (PostgreSQL); see the SQLite twin.
CREATE TABLE front_pins (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    position BIGINT NOT NULL
);

CREATE TABLE front_sections (
    category_id BIGINT PRIMARY KEY REFERENCES categories (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    count BIGINT NOT NULL DEFAULT 4
);

ALTER TABLE site_settings ADD COLUMN tagline TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_text TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_url TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN banner_until BIGINT;

CREATE FUNCTION page_note_front() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM page_log('front');
    RETURN NULL;
END $$;

CREATE TRIGGER page_front_pin AFTER INSERT OR UPDATE OR DELETE ON front_pins
FOR EACH ROW EXECUTE FUNCTION page_note_front();
CREATE TRIGGER page_front_section AFTER INSERT OR UPDATE OR DELETE ON front_sections
FOR EACH ROW EXECUTE FUNCTION page_note_front();
