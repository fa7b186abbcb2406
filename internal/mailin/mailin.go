// Package mailin reads one incoming e-mail message for the support server:
// headers, the body as plain text, the ticket's files, the nine fields of the
// support procedure, and the reply text without quotes and signatures.
//
// It does no I/O but reading the message it is given (and, for large files,
// temporary files it removes in Message.Close).
package mailin

import (
	"errors"
	"io"
	"time"
)

// Options bound the work done on one message.
type Options struct {
	MaxSize int64 // whole message limit in bytes; 0 = no limit. Over it: ErrTooLarge.
	MaxFile int64 // per file (the server's ticket file limit), for early refusal; 0 = none
}

// ErrTooLarge is returned by Parse when the message is over Options.MaxSize.
var ErrTooLarge = errors.New("mailin: message too large")

// ErrNotMail is returned by Parse when the input is not an RFC 5322 message.
var ErrNotMail = errors.New("mailin: not an e-mail message")

// Address is a mailbox: display name and address (lower-cased).
type Address struct{ Name, Email string }

// File is an attachment or an inline image that belongs to the ticket.
type File struct {
	Name        string // decoded filename, or a generated one ("image-1.png") for unnamed inline images
	ContentType string // as declared
	Inline      bool
	Open        func() (io.ReadCloser, error) `json:"-"` // read the decoded content (may be called more than once)
	Size        int64
}

// Message is one parsed message.
type Message struct {
	MessageID  string    // without <>, "" if absent
	InReplyTo  []string  // In-Reply-To then References ids, without <>, in order, deduplicated
	Subject    string    // decoded (RFC 2047)
	From       Address   // Email lower-cased
	ReplyTo    Address   //
	ReturnPath string    // envelope sender from Return-Path ("" or "<>" = null sender)
	Date       time.Time //
	Text       string    // the body as plain text (see Parse)
	Files      []File    // attachments + inline images that are the ticket's files
	Hash       string    // hex sha256 of the raw message (for dedup when no Message-ID)
	Size       int64     // raw size in bytes

	header map[string]string
}

// Header returns the decoded value of the named header field ("" if absent).
func (m *Message) Header(name string) string { return "" }

// Close removes temporary files if any.
func (m *Message) Close() error { return nil }

// Parse reads a raw message; see the package documentation.
func Parse(r io.Reader, o Options) (*Message, error) { return nil, ErrNotMail }

// IsAutomatic reports why no auto-reply may be sent to this message ("" = a person wrote it).
func (m *Message) IsAutomatic() string { return "" }

// Request holds the nine fields of the support procedure read from the body.
type Request struct {
	Name, Function, Phone, Establishment, City, UAI, Subject, Description, Location, Priority string
	Populations                                                                             []string
	Found                                                                                   map[string]bool
}

// Request reads the nine fields from "Label : value" lines.
func (m *Message) Request() Request { return Request{Found: map[string]bool{}} }

// Reply returns the text of a reply without quoted text and signature.
func Reply(text string) string { return text }

// TicketNumber finds "[PREFIX-N]" in a subject ("" if none).
func TicketNumber(subject string) string { return "" }
