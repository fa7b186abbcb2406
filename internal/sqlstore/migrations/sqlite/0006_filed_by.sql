-- filed_by is who filed a ticket, "Name <e-mail>": the reporter, or the
-- agent or admin who filed it on their behalf. Empty on tickets filed
-- before it was recorded.
ALTER TABLE tickets ADD COLUMN filed_by TEXT NOT NULL DEFAULT '';

-- disabled_by is the ID of the person who disabled a user (0: nobody, or
-- not recorded): a chef_etablissement may not enable again a correspondent
-- an admin disabled.
ALTER TABLE users ADD COLUMN disabled_by INTEGER NOT NULL DEFAULT 0;
