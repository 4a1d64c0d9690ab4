-- WordPress's API answers imported things at their WordPress ids, and
-- asks, for a page of local things, which keys they came in under.
CREATE INDEX import_keys_local ON import_keys (kind, local_id);
