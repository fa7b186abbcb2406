-- The language of a user's e-mails (fr, en); a ticket's mail language is
-- its creator's.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';

-- mail_deliveries is the e-mail queue: one row per (event, recipient),
-- rendered when queued. status: pending, sent, failed (given up). A sent
-- row is never sent again; message_id is stable, so a resend after a crash
-- between SMTP's acceptance and the row's update is recognisable.
CREATE TABLE mail_deliveries (
	id              INTEGER PRIMARY KEY,
	event_id        INTEGER NOT NULL,
	recipient       TEXT    NOT NULL,
	message_id      TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	text_body       TEXT    NOT NULL,
	html_body       TEXT    NOT NULL,
	status          TEXT    NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	sent_at         INTEGER,
	last_error      TEXT    NOT NULL DEFAULT '',
	UNIQUE (event_id, recipient)
);
CREATE INDEX mail_deliveries_pending ON mail_deliveries (status, id);

-- The last event the notifier has looked at. It starts after the events
-- already there: turning mail on does not mail a database's past.
CREATE TABLE mail_cursor (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	event_id INTEGER NOT NULL
);
INSERT INTO mail_cursor (id, event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;

-- Server secrets (the key that signs ticket links), made once.
CREATE TABLE server_secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
