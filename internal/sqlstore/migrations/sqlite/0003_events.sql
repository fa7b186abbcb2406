-- events is what followers read: one row per change of a ticket, written in
-- the transaction of the change. AUTOINCREMENT: an ID is never reused, even
-- after the newest row is gone, so a follower's Last-Event-ID stays valid.
-- With one writer at a time, IDs are committed in increasing order: a reader
-- that saw ID n will never later find a new row below n.
CREATE TABLE events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	kind      TEXT    NOT NULL,
	actor     TEXT    NOT NULL,
	payload   TEXT    NOT NULL -- JSON: role, from, to, message, comment_id, attachments
);
CREATE INDEX events_ticket ON events (ticket_id, id);

-- The changes made before this migration, in the order they happened.
INSERT INTO events (ticket_id, at, kind, actor, payload)
SELECT ticket_id, at, kind, actor, payload FROM (
	SELECT h.ticket_id AS ticket_id, h.at AS at,
		CASE WHEN h.field <> '' THEN h.field WHEN h.from_status = '' THEN 'created' ELSE 'status' END AS kind,
		h.actor AS actor,
		json_object('from', h.from_status, 'to', h.to_status, 'message',
			CASE WHEN h.field = '' AND h.from_status = '' THEN (SELECT subject FROM tickets t WHERE t.id = h.ticket_id)
			ELSE h.message END) AS payload,
		0 AS o, h.id AS i
	FROM history h
	UNION ALL
	SELECT c.ticket_id, c.created_at, 'comment', c.author,
		json_object('role', c.role, 'message', c.body, 'comment_id', c.id,
			'attachments', json((SELECT json_group_array(a.name) FROM attachments a WHERE a.comment_id = c.id))),
		1, c.id
	FROM comments c
) ORDER BY at, o, i;
