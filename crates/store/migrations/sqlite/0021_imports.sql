-- What an import brought in, by the other system's own keys (a WordPress
-- post id, a user's login…), so running the same import again updates what
-- it made instead of making it twice. `source` names the other site.
CREATE TABLE import_keys (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    PRIMARY KEY (source, kind, key)
);

-- Sections can sit under another (WordPress's category hierarchy).
ALTER TABLE categories ADD COLUMN parent_id INTEGER REFERENCES categories (id) ON DELETE SET NULL;

-- Addresses of the old site that lead somewhere here (301): a WordPress
-- permalink, `?p=42`, a category archive… The target is named, not its
-- address, so the redirect follows it if it is renamed later. Paths are
-- stored percent-decoded, with their trailing slash; query forms as `?p=42`.
CREATE TABLE redirects (
    path TEXT PRIMARY KEY,
    target_kind TEXT NOT NULL,
    target_id INTEGER NOT NULL
);
