-- Where the CDN purger is in the page change log (page_changes): the last
-- change whose keys every configured CDN has purged. One row; the server
-- that leads the purging moves it on after each purge, and a server that
-- takes over resumes from it, so no change is missed or sent twice.
CREATE TABLE cdn_purge (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    applied BIGINT NOT NULL
);
