-- Webhooks (SQLite): the addresses told of changes, and the durable outbox
-- of what to tell them. Triggers write each event inside the transaction
-- of the change itself, whatever code path makes it (editor, API,
-- scheduler, import, manual SQL): a committed change always has its event,
-- a crash right after the commit included, and a rolled-back one never
-- does. An event is written only when an enabled webhook wants it, and
-- becomes one delivery per such webhook in the same transaction.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- `whsec_` + base64: the key signs every message, so it is kept as is.
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    -- Why Kiosque turned it off (a 410, days of failures); NULL otherwise.
    disabled_reason TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_subscriptions (
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    PRIMARY KEY (webhook_id, event)
);
CREATE INDEX webhook_subscriptions_event ON webhook_subscriptions (event);

-- The events some enabled webhook wants.
CREATE VIEW webhook_wanted AS
    SELECT DISTINCT s.event FROM webhook_subscriptions s
    JOIN webhooks w ON w.id = s.webhook_id WHERE w.enabled = 1;

CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    -- JSON of the object's values before the change (updates, deletions).
    previous TEXT,
    -- The message as first sent: every attempt sends the same bytes.
    payload TEXT,
    created_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);
CREATE INDEX webhook_events_time ON webhook_events (created_at);

-- One event for one webhook. A worker claims a due delivery by moving
-- run_after past its attempt (a lease), so two servers never send it at
-- once and a crash lets it be taken again.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    last_attempt_at INTEGER,
    response_code INTEGER,
    duration_ms INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (run_after) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TRIGGER webhook_fan_out AFTER INSERT ON webhook_events
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event_id, run_after, created_at)
    SELECT w.id, NEW.id, NEW.created_at, NEW.created_at
    FROM webhooks w JOIN webhook_subscriptions s ON s.webhook_id = w.id
    WHERE s.event = NEW.event AND w.enabled = 1;
END;

CREATE TRIGGER webhook_article_added AFTER INSERT ON articles
WHEN NEW.status IN ('published', 'scheduled')
BEGIN
    INSERT INTO webhook_events (event, object_id)
    SELECT e.event, NEW.id FROM (
        SELECT CASE NEW.status WHEN 'published' THEN 'article.published'
               ELSE 'article.scheduled' END AS event
    ) e WHERE e.event IN (SELECT event FROM webhook_wanted);
END;

-- A save is one UPDATE of the row (its version goes up); later updates in
-- the same transaction (details, listing) change no version and send
-- nothing more. `previous` holds the fields as the API names them.
CREATE TRIGGER webhook_article_changed AFTER UPDATE ON articles
WHEN OLD.version IS NOT NEW.version OR OLD.status IS NOT NEW.status
  OR OLD.published_at IS NOT NEW.published_at OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    INSERT INTO webhook_events (event, object_id, previous)
    SELECT e.event, NEW.id, json_object(
        'title', OLD.title, 'slug', OLD.slug, 'excerpt', OLD.excerpt,
        'body_markdown', OLD.body_markdown, 'type', OLD.article_type,
        'status', OLD.status, 'published_at', OLD.published_at,
        'author_id', OLD.author_id, 'section_id', OLD.category_id,
        'photo_id', OLD.image_id, 'seo_title', OLD.seo_title,
        'seo_description', OLD.seo_description, 'version', OLD.version)
    FROM (
        SELECT 'article.published' AS event
            WHERE NEW.status = 'published' AND OLD.status <> 'published'
        UNION ALL SELECT 'article.unpublished'
            WHERE OLD.status = 'published' AND NEW.status <> 'published'
        UNION ALL SELECT 'article.scheduled'
            WHERE NEW.status = 'scheduled'
              AND (OLD.status <> 'scheduled' OR OLD.published_at <> NEW.published_at)
        UNION ALL SELECT 'article.updated'
            WHERE NEW.status = 'published' AND OLD.status = 'published'
    ) e WHERE e.event IN (SELECT event FROM webhook_wanted);
END;

CREATE TRIGGER webhook_article_deleted BEFORE DELETE ON articles
WHEN 'article.deleted' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id, previous)
    VALUES ('article.deleted', OLD.id, json_object(
        'id', OLD.id, 'title', OLD.title, 'slug', OLD.slug, 'status', OLD.status,
        'published_at', OLD.published_at, 'author_id', OLD.author_id,
        'section_id', OLD.category_id));
END;

-- Spam never leaves the moderation queue; everything else is news.
CREATE TRIGGER webhook_comment_added AFTER INSERT ON comments
WHEN NEW.status IN ('pending', 'approved')
BEGIN
    INSERT INTO webhook_events (event, object_id)
    SELECT e.event, NEW.id FROM (
        SELECT 'comment.created' AS event
        UNION ALL SELECT 'comment.approved' WHERE NEW.status = 'approved'
    ) e WHERE e.event IN (SELECT event FROM webhook_wanted);
END;

CREATE TRIGGER webhook_comment_approved AFTER UPDATE OF status ON comments
WHEN NEW.status = 'approved' AND OLD.status <> 'approved'
 AND 'comment.approved' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id) VALUES ('comment.approved', NEW.id);
END;

CREATE TRIGGER webhook_media_added AFTER INSERT ON media
WHEN 'media.created' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id) VALUES ('media.created', NEW.id);
END;

CREATE TRIGGER webhook_page_added AFTER INSERT ON pages
WHEN 'page.published' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id) VALUES ('page.published', NEW.id);
END;

-- Menu moves (in_menu, position) are the site's change, not the page's.
CREATE TRIGGER webhook_page_changed AFTER UPDATE ON pages
WHEN (OLD.title IS NOT NEW.title OR OLD.slug IS NOT NEW.slug
      OR OLD.body_markdown IS NOT NEW.body_markdown)
 AND 'page.updated' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id, previous)
    VALUES ('page.updated', NEW.id, json_object(
        'title', OLD.title, 'slug', OLD.slug, 'body_markdown', OLD.body_markdown));
END;

CREATE TRIGGER webhook_site_changed AFTER UPDATE ON site_settings
WHEN 'site.changed' IN (SELECT event FROM webhook_wanted)
BEGIN
    INSERT INTO webhook_events (event, object_id, previous)
    VALUES ('site.changed', NEW.id, json_object(
        'name', OLD.name, 'tagline', OLD.tagline, 'language', OLD.language,
        'url', OLD.base_url, 'time_zone', OLD.time_zone));
END;
