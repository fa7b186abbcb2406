-- list --sort updated: most recently changed first, paged by (updated_at, id).
CREATE INDEX tickets_updated ON tickets (updated_at, id);
