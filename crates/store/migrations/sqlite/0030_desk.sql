-- The writer's desk (sqlite): each writer's body editor mode, and who has
-- an article open in the editor right now.

ALTER TABLE users ADD COLUMN editor_mode TEXT NOT NULL DEFAULT 'markdown';

-- One row per open editor page (its random key), refreshed by its
-- heartbeats and forgotten a little after they stop; taken_by names the
-- writer who took the article over from that page. Left out of backups.
CREATE TABLE desk_presence (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    page TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    since INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    taken_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (article_id, page)
);
CREATE INDEX desk_presence_seen ON desk_presence (seen_at);
