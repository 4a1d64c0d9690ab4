-- Audience statistics (PostgreSQL). Sums only: no row per view, and
-- nothing that tells one reader from another (no address, no user agent,
-- no hash). Each server adds its counts every few seconds.

-- What a counted path shows: its title when last viewed, and its article
-- (so an article's views follow it through a change of address).
CREATE TABLE stats_paths (
    path TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    article_id BIGINT REFERENCES articles (id) ON DELETE SET NULL
);
CREATE INDEX stats_paths_article ON stats_paths (article_id);

-- Views and visitors of one path, source and kind of screen in one bucket:
-- span 'm' (a minute, kept 48 hours), 'h' (an hour, kept 90 days) or 'd'
-- (a day of the site's calendar, kept for ever by default). The v_ columns
-- count visitors seen for the first time that day on the site, the path,
-- the source, the device, the path from the source, the path on the device.
CREATE TABLE stats_counts (
    span TEXT NOT NULL,
    start BIGINT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    device TEXT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    v_site BIGINT NOT NULL DEFAULT 0,
    v_path BIGINT NOT NULL DEFAULT 0,
    v_source BIGINT NOT NULL DEFAULT 0,
    v_device BIGINT NOT NULL DEFAULT 0,
    v_path_source BIGINT NOT NULL DEFAULT 0,
    v_path_device BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (span, start, path, source, device)
);
CREATE INDEX stats_counts_path ON stats_counts (path, span, start);

-- Readers right now, as each server last reported them (article 0: the
-- site's own totals). Rows of a server that stopped reporting are ignored
-- after a few seconds and deleted by the next report of any server.
CREATE TABLE stats_live (
    server TEXT NOT NULL,
    article_id BIGINT NOT NULL,
    readers_5 BIGINT NOT NULL,
    readers_30 BIGINT NOT NULL,
    reported_at BIGINT NOT NULL,
    PRIMARY KEY (server, article_id)
);

-- The newsroom's choices: count with the first-party beacon instead of on
-- the server (a CDN or the static export answers readers), and leave out
-- readers whose browser sends DNT or Sec-GPC.
ALTER TABLE site_settings ADD COLUMN stats_beacon BIGINT NOT NULL DEFAULT 0;
ALTER TABLE site_settings ADD COLUMN stats_honour_dnt BIGINT NOT NULL DEFAULT 0;
