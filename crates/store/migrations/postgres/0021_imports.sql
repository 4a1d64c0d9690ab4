-- What an import brought in, by the other system's own keys (a WordPress
-- post id, a user's login…), so running the same import again updates what
-- it made instead of making it twice. `source` names the other site.
CREATE TABLE import_keys (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    PRIMARY KEY (source, kind, key)
);

-- Sections can sit under another (WordPress's category hierarchy).
ALTER TABLE categories ADD COLUMN parent_id BIGINT REFERENCES categories (id) ON DELETE SET NULL;
