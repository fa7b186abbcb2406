-- history records changes of priority and assignee too: field names what
-- changed ('' is the status, as every row before this migration).
ALTER TABLE history ADD COLUMN field TEXT NOT NULL DEFAULT '';
