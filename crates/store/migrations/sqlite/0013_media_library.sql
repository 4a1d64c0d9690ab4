-- The media library (SQLite): what each image shows (alt text, for readers
-- who cannot see it), its default caption and credit, and the name it was
-- uploaded under (for searching).
ALTER TABLE media ADD COLUMN alt TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN credit TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN original_name TEXT NOT NULL DEFAULT '';
-- Images already in use start with the caption they were published with.
UPDATE media SET
    caption = COALESCE((SELECT a.image_caption FROM articles a
        WHERE a.image_id = media.id AND a.image_caption IS NOT NULL ORDER BY a.id LIMIT 1), ''),
    credit = COALESCE((SELECT a.image_credit FROM articles a
        WHERE a.image_id = media.id AND a.image_credit IS NOT NULL ORDER BY a.id LIMIT 1), '');
UPDATE media SET alt = caption;
