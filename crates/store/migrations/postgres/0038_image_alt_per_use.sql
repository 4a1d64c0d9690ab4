-- What the lead photo shows in this article. A photo used by several
-- articles may need a different description in each; NULL means the
-- library's alt text (the photo's default).
ALTER TABLE articles ADD COLUMN image_alt TEXT;
