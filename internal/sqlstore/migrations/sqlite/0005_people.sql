-- A token may expire: 0 means never. Checked at every authentication.
ALTER TABLE users ADD COLUMN token_expires_at INTEGER NOT NULL DEFAULT 0;

-- audit records admin actions and authorization refusals: who (the user's
-- id and "Name <e-mail>", or 0 and '' when no valid token was given), what
-- (action: user.create, user.disable, user.enable, user.rotate_token,
-- establishment.add, establishment.import, denied), on what (target: a
-- user's e-mail, a UAI, a route or a ticket number), the outcome and the
-- client's address. A token never appears in it, nor any part of one.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	actor_id INTEGER NOT NULL DEFAULT 0,
	actor    TEXT    NOT NULL DEFAULT '',
	action   TEXT    NOT NULL,
	target   TEXT    NOT NULL DEFAULT '',
	detail   TEXT    NOT NULL DEFAULT '',
	remote   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at, id);
