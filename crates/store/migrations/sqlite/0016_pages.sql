-- The site's pages (SQLite): about, contact, ethics policy, with their
-- places in the menu and footer.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    in_menu INTEGER NOT NULL DEFAULT 0,
    in_footer INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
