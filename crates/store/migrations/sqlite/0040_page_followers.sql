-- How far each app server's page cache has followed the page change log
-- (page_changes): the CDN purger purges a change once every live server
-- has dropped its pages, or a CDN asking a lagging server would be handed
-- the old page again. One row per server process, its id random at start;
-- a row not refreshed for a while is a server gone, and ignored.
CREATE TABLE page_followers (
    server TEXT PRIMARY KEY,
    applied BIGINT NOT NULL,
    seen_at BIGINT NOT NULL -- milliseconds since 1970
);
