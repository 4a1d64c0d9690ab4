-- The sitemap index gives, for each sitemap page of 5,000 articles, when
-- its newest change was: it reads every published article's updated_at in
-- list order. With updated_at in the list index that read stays on the
-- index (0.07 s instead of 0.19 s at 100,000 articles, warm; seconds when
-- the rows are not cached). The index serves every query the old one did.
DROP INDEX articles_listed;
CREATE INDEX articles_listed ON articles (status, published_at DESC, id DESC, updated_at);
