-- Lists of published articles, newest first, for the site, a section and an
-- author: each walks one index that holds everything its WHERE and ORDER BY
-- need, so a deep page (page 500 of the home page, page 100 of a section)
-- skips its offset on the index alone.
CREATE INDEX articles_listed ON articles (status, published_at DESC, id DESC);
CREATE INDEX articles_category_listed ON articles (category_id, status, published_at DESC, id DESC);
CREATE INDEX articles_author_listed ON articles (author_id, status, published_at DESC, id DESC);
