package support

import (
	"context"
	"time"
)

// MailDelivery is one e-mail to send: one per (event, recipient), rendered
// when the event is queued and kept until SMTP accepted it.
type MailDelivery struct {
	ID        int64
	EventID   int64
	Recipient string
	MessageID string // stable per (event, recipient): a resend is recognisable
	Subject   string
	Text      string
	HTML      string
	Attempts  int
	// NextAttempt is when it may be tried again after a failure.
	NextAttempt time.Time
	LastError   string
	// InReplyTo and References thread the e-mail under the message it
	// answers (ids without angle brackets; References space-separated,
	// each in brackets as the header wants them).
	InReplyTo, References string
	// AutoReply marks an automatic answer (Auto-Submitted: auto-replied),
	// so that other robots do not answer it.
	AutoReply bool
	// Files are ticket files attached to the e-mail (the team's copy of
	// a ticket), read from the store when it is sent.
	Files []MailFile
}

// MailFile names a ticket's file to attach to an e-mail.
type MailFile struct {
	Ticket Number `json:"ticket"`
	ID     int64  `json:"id"`
}

// MailQueue is the durable queue of notification e-mails, kept by the
// store: the events table says what happened (written in the transaction of
// each change), mail deliveries say what was sent.
type MailQueue interface {
	// AllEventsAfter returns up to limit events of every ticket with an ID
	// above afterID, oldest first.
	AllEventsAfter(ctx context.Context, afterID int64, limit int) ([]Event, error)
	// MailCursor is the ID of the last event the notifier has queued mail for.
	MailCursor(ctx context.Context) (int64, error)
	// EnqueueMail stores ds (a delivery already there for its event and
	// recipient is kept as it is) and moves the cursor to cursor, in one
	// transaction.
	EnqueueMail(ctx context.Context, cursor int64, ds []MailDelivery) error
	// PendingMail returns up to limit deliveries not yet sent, oldest first.
	PendingMail(ctx context.Context, limit int) ([]MailDelivery, error)
	// MarkMailSent records that SMTP accepted delivery id.
	MarkMailSent(ctx context.Context, id int64, at time.Time) error
	// MarkMailFailed records a failed attempt; failed gives the delivery
	// up for good.
	MarkMailFailed(ctx context.Context, id int64, attempts int, next time.Time, lastErr string, failed bool) error
	// Secret returns the server secret called name, made of size random
	// bytes the first time it is asked for and kept in the database, so
	// that every process on it shares it.
	Secret(ctx context.Context, name string, size int) ([]byte, error)
	// SecretVersions returns the secret called name (first, RetiredAt
	// zero) and the values it replaced that are still kept, newest
	// first; none when it was never made.
	SecretVersions(ctx context.Context, name string) ([]SecretVersion, error)
	// RotateSecret replaces the secret called name with size fresh random
	// bytes, in one transaction. The value it replaces is kept, retired
	// at now, unless revoke, which drops it and every value kept before;
	// values retired before dropBefore are dropped.
	RotateSecret(ctx context.Context, name string, size int, now, dropBefore time.Time, revoke bool) error
	// UserLang returns the language (fr, en) of the user of that ID; fr
	// when the user is gone.
	UserLang(ctx context.Context, id int64) (string, error)
}

// SecretVersion is one value of a server secret: the one in force
// (RetiredAt zero) or one it replaced.
type SecretVersion struct {
	Value     []byte
	RetiredAt time.Time
}
