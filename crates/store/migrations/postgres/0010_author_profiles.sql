-- What readers learn about a byline on its author page (PostgreSQL).
ALTER TABLE authors ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN expertise TEXT NOT NULL DEFAULT '';
-- One web address per line.
ALTER TABLE authors ADD COLUMN links TEXT NOT NULL DEFAULT '';
