-- Smaller copies of each image, made off the request path (SQLite).
ALTER TABLE media ADD COLUMN color TEXT NOT NULL DEFAULT '';
-- Comma-separated widths whose WebP and JPEG copies exist.
ALTER TABLE media ADD COLUMN variants TEXT NOT NULL DEFAULT '';
-- Work waiting for the media worker: one row per image still to process.
-- A worker claims a row by moving run_after into the future (a lease), so
-- a crash leaves it to be taken again once the lease runs out.
CREATE TABLE media_jobs (
    media_id INTEGER PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX media_jobs_due ON media_jobs (run_after);
