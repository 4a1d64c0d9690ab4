-- First-party click counting, when the operator switches it on: how many
-- times each article link of a send was followed. Counts only: no reader,
-- no address, no time of click is kept.
CREATE TABLE newsletter_clicks (
    send_id INTEGER NOT NULL REFERENCES newsletter_sends (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL,
    clicks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (send_id, article_id)
);
