-- A comment's checks look its writer up by e-mail, whatever its case
-- (has this address an approved comment? is this the same comment again,
-- under the same article?): LOWER(author_email) could not use the index
-- on the column as written, so each post scanned every comment of its
-- article, and the lookups grew with the comments.
CREATE INDEX comments_email_lower ON comments (LOWER(author_email), article_id);
