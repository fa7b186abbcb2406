-- Times are INTEGER microseconds since the Unix epoch (UTC): the same
-- representation as PostgreSQL's timestamp precision, so both dialects give
-- back identical values.

-- counters hands out gapless ticket numbers: the row is bumped in the same
-- transaction as the ticket insert, so a rolled-back create frees its number.
CREATE TABLE counters (
	prefix TEXT PRIMARY KEY,
	last   INTEGER NOT NULL
);

CREATE TABLE tickets (
	id                       INTEGER PRIMARY KEY,
	prefix                   TEXT    NOT NULL,
	seq                      INTEGER NOT NULL,
	reporter_name            TEXT    NOT NULL,
	reporter_function        TEXT    NOT NULL,
	reporter_phone           TEXT    NOT NULL,
	reporter_email           TEXT    NOT NULL,
	uai                      TEXT    NOT NULL,
	establishment_name       TEXT    NOT NULL DEFAULT '',
	establishment_city       TEXT    NOT NULL DEFAULT '',
	establishment_department TEXT    NOT NULL DEFAULT '',
	establishment_territory  TEXT    NOT NULL DEFAULT '',
	subject                  TEXT    NOT NULL,
	population               TEXT    NOT NULL, -- comma list, in the order given
	description              TEXT    NOT NULL,
	location                 TEXT    NOT NULL,
	priority                 TEXT    NOT NULL,
	priority_rank            INTEGER NOT NULL, -- support.Priority.Rank(), for the priority sort
	status                   TEXT    NOT NULL,
	created_at               INTEGER NOT NULL,
	updated_at               INTEGER NOT NULL,
	-- No foreign key to users: a ticket outlives the account that filed it.
	created_by               INTEGER NOT NULL,
	assignee                 TEXT    NOT NULL DEFAULT '',
	idempotency_key          TEXT    NOT NULL DEFAULT '',
	body_hash                TEXT    NOT NULL DEFAULT '',
	UNIQUE (prefix, seq)
);

-- A replayed create finds its ticket here; creates without a key are not
-- constrained.
CREATE UNIQUE INDEX tickets_idempotency ON tickets (created_by, idempotency_key)
	WHERE idempotency_key <> '';

-- Lists are keyset-paged on id (newest first) or, per priority rank, on
-- (created_at, id) (oldest first): each filter gets an index that ends with
-- the sort key, so a page is an index range scan that stops after LIMIT rows.
CREATE INDEX tickets_status     ON tickets (status, id);
CREATE INDEX tickets_priority   ON tickets (priority, id);
CREATE INDEX tickets_uai        ON tickets (uai, id);
CREATE INDEX tickets_created_by ON tickets (created_by, id);
CREATE INDEX tickets_created_at ON tickets (created_at);
CREATE INDEX tickets_rank       ON tickets (priority_rank, created_at, id);
CREATE INDEX tickets_uai_rank   ON tickets (uai, priority_rank, created_at, id);

CREATE TABLE history (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	from_status TEXT    NOT NULL DEFAULT '',
	to_status   TEXT    NOT NULL,
	message     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX history_ticket ON history (ticket_id, id);

CREATE TABLE comments (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	author     TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	body       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

-- Files live in the database: a ticket and its files commit all or nothing,
-- and the database file is the whole backup. data is the last column so that
-- reading the metadata never touches the blob's overflow pages.
CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY,
	ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL,
	content_type TEXT    NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	data         BLOB    NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
CREATE INDEX attachments_comment ON attachments (comment_id) WHERE comment_id IS NOT NULL;

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	phone      TEXT    NOT NULL DEFAULT '',
	role       TEXT    NOT NULL,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	token_hash TEXT    NOT NULL UNIQUE
);
-- E-mail addresses are unique whatever their case.
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_role ON users (role);

CREATE TABLE memberships (
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	uai      TEXT    NOT NULL,
	function TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, uai)
);

CREATE TABLE establishments (
	uai        TEXT PRIMARY KEY,
	name       TEXT NOT NULL DEFAULT '',
	city       TEXT NOT NULL DEFAULT '',
	department TEXT NOT NULL DEFAULT '',
	territory  TEXT NOT NULL DEFAULT '',
	-- name and city folded (lower case, no accents), for a search that
	-- ignores case and accents without an ICU build of SQLite.
	search     TEXT NOT NULL DEFAULT ''
);
