-- The site's pages (PostgreSQL): about, contact, ethics policy, with their
-- places in the menu and footer.
CREATE TABLE pages (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    in_menu BIGINT NOT NULL DEFAULT 0,
    in_footer BIGINT NOT NULL DEFAULT 0,
    position BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
