-- Incoming e-mail (tickets by e-mail).
--
-- mail_messages: one row per message handled, by its key (Message-ID, or
-- the hash of the raw message when it has none): a message delivered twice
-- is handled once. The row of a message that made a ticket, a comment or a
-- status change is written in that change's transaction. replied counts
-- the automatic answers per sender, to stop mail loops.
CREATE TABLE mail_messages (
	id      INTEGER PRIMARY KEY,
	key     TEXT    NOT NULL UNIQUE,
	sender  TEXT    NOT NULL,
	result  TEXT    NOT NULL,
	number  TEXT    NOT NULL DEFAULT '',
	replied INTEGER NOT NULL DEFAULT 0,
	at      INTEGER NOT NULL
);
CREATE INDEX mail_messages_replies ON mail_messages (sender, at) WHERE replied = 1;

-- mail_pending: an incomplete request by e-mail, kept (the raw message)
-- until its sender answers the reply that listed what was missing
-- (reply_id: that reply's Message-ID), or until it expires.
CREATE TABLE mail_pending (
	id         INTEGER PRIMARY KEY,
	reply_id   TEXT    NOT NULL UNIQUE,
	sender     TEXT    NOT NULL,
	raw        BLOB    NOT NULL,
	fields     TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

-- Threading and attachments of outgoing e-mail: an answer names the
-- message it answers; the team's copy of a ticket carries its files
-- (JSON list of {ticket, id}, read when sent); an automatic answer says so.
ALTER TABLE mail_deliveries ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_deliveries ADD COLUMN refs TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_deliveries ADD COLUMN auto_reply INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_deliveries ADD COLUMN files TEXT NOT NULL DEFAULT '';
