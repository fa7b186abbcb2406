package support

import (
	"context"
	"io"
	"time"
)

// Results of one incoming e-mail (MailResult.Result).
const (
	MailTicket    = "ticket"    // a complete request became a ticket
	MailComment   = "comment"   // a reply became a comment of its ticket
	MailReopened  = "reopened"  // a reply reopened a resolved ticket
	MailPending   = "pending"   // an incomplete request: kept, the sender was asked for the rest
	MailRefused   = "refused"   // an unknown or not allowed sender, or a ticket they may not touch
	MailDuplicate = "duplicate" // this message was already handled
	MailIgnored   = "ignored"   // nothing to do (our own mail, an automatic message with nothing to take)
)

// MailResult is what became of one incoming e-mail.
type MailResult struct {
	Result string `json:"result"`
	// Number is the ticket the message created or went to.
	Number string `json:"number,omitempty"`
	// Reply says an answer to the sender was queued (a refusal, the
	// problems of an incomplete request).
	Reply bool `json:"reply"`
}

// MailHandler takes one raw incoming e-mail (RFC 5322). When it returns
// no error, what the message did is committed, and the same message
// delivered again is a duplicate. When it returns an error, nothing was
// stored: EINVALID (not an e-mail) and ETOOLARGE are final; any other
// error means "try again later".
type MailHandler interface {
	HandleMail(ctx context.Context, raw io.Reader) (MailResult, error)
}

// MailPoster posts one raw e-mail to a server (`ent-support mailgate`).
type MailPoster interface {
	PostMail(ctx context.Context, raw []byte) (*MailResult, error)
}

// MailRecord is one incoming e-mail handled: its key (the Message-ID, or
// the hash of the raw message when it has none) is unique, so that a
// message delivered twice is handled once.
type MailRecord struct {
	Key    string
	Sender string // the From address, lower case
	Result string
	Number string
	// Replied: an automatic answer was sent to Sender (they are counted
	// to stop mail loops).
	Replied bool
	At      time.Time
}

// PendingMail is an incomplete request kept until its sender answers our
// reply: the fields gathered, the raw message with its files, and the
// Message-ID of the reply that listed what was missing.
type PendingMail struct {
	ID        int64
	ReplyID   string // our reply's Message-ID, without brackets
	Sender    string
	Raw       []byte // the message whose files the ticket will carry
	Fields    []byte // the fields gathered so far, as the handler encodes them
	CreatedAt time.Time
	ExpiresAt time.Time
}

// MailInbox is what the store keeps of incoming e-mail.
//
// The record of a message that made a ticket, a comment or a status change
// is written in the transaction of that change: put it in the context with
// WithMailRecord before calling CreateTicket, AddComment or ChangeTicket.
// Errors: ECONFLICT (key "error.mail_duplicate") when the key was already
// recorded, and nothing of the change is written.
type MailInbox interface {
	// MailRecordByKey returns the record of a message (ENOTFOUND).
	MailRecordByKey(ctx context.Context, key string) (*MailRecord, error)
	// RecordMail writes rec, the reply to send if any, and, when p is not
	// nil, the pending request, in one transaction. The reply's EventID
	// is set by the store.
	RecordMail(ctx context.Context, rec MailRecord, reply *MailDelivery, p *PendingMail) error
	// PendingByReply finds the pending request our reply replyID asked
	// about (ENOTFOUND, also once expired).
	PendingByReply(ctx context.Context, replyID string, now time.Time) (*PendingMail, error)
	// DeletePending drops a pending request once completed, and the
	// expired ones.
	DeletePending(ctx context.Context, id int64, now time.Time) error
	// CountMailReplies counts the automatic answers sent to sender since.
	CountMailReplies(ctx context.Context, sender string, since time.Time) (int, error)
}

// KeyMailDuplicate is the message key of a message handled already.
const KeyMailDuplicate = "error.mail_duplicate"

type mailRecordKey struct{}

// WithMailRecord returns a context carrying the record of the e-mail that
// causes the change made with it (see MailInbox).
func WithMailRecord(ctx context.Context, rec MailRecord) context.Context {
	return context.WithValue(ctx, mailRecordKey{}, &rec)
}

// MailRecordFrom returns the record of ctx, or nil.
func MailRecordFrom(ctx context.Context) *MailRecord {
	r, _ := ctx.Value(mailRecordKey{}).(*MailRecord)
	return r
}
