// Package mailin reads one incoming e-mail message for the support server:
// headers, the body as plain text, the ticket's files, the nine fields of the
// support procedure (Request), and the text of a reply without quotes and
// signature (Reply).
//
// It does no I/O but reading the message it is given and, for files larger
// than a few tens of KiB, writing them to temporary files that
// Message.Close removes: memory stays flat whatever the message's size.
package mailin

import (
	"errors"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
)

// Options bound the work done on one message.
type Options struct {
	// MaxSize is the whole message limit in bytes (without the mbox "From "
	// line); 0 = no limit. Over it, Parse stops reading and returns
	// ErrTooLarge.
	MaxSize int64
	// MaxFile is the per-file limit (the server's ticket file limit); 0 =
	// none. A file over it is still listed, with its full Size, but its
	// content is not kept: its Open returns ErrFileTooLarge.
	MaxFile int64
	// TempDir is where files larger than the in-memory threshold are
	// written; "" = the system's temporary directory.
	TempDir string
	// Lang is the language ("fr", the default, or "en") of the lines Parse
	// writes into Text: the header above a message forwarded as an
	// attachment.
	Lang string
}

// ErrTooLarge is returned by Parse when the message is over Options.MaxSize.
var ErrTooLarge = errors.New("mailin: message too large")

// ErrNotMail is returned (wrapped) by Parse when the input is not an RFC 5322
// message at all: no header, a malformed header, or none of the fields every
// message has (From, Date, Subject, Message-ID...).
var ErrNotMail = errors.New("mailin: not an e-mail message")

// ErrFileTooLarge is returned by File.Open for a file over Options.MaxFile.
var ErrFileTooLarge = errors.New("mailin: file too large")

// Address is a mailbox: display name and address (lower-cased).
type Address struct{ Name, Email string }

// File is an attachment or an inline image that belongs to the ticket.
type File struct {
	Name        string // decoded filename, or a generated one ("image-1.png") for unnamed inline images
	ContentType string // as declared (media type only, lower case)
	Inline      bool   // shown in the body (an image pasted into the mail) rather than attached
	// Open reads the decoded content; it may be called more than once, until
	// Message.Close.
	Open func() (io.ReadCloser, error) `json:"-"`
	Size int64                         // decoded size in bytes
}

// Message is one parsed message.
type Message struct {
	MessageID string   // without <>, "" if absent
	InReplyTo []string // In-Reply-To then References ids, without <>, in order, deduplicated
	Subject   string   // decoded (RFC 2047)
	From      Address  // Email lower-cased
	ReplyTo   Address  // the first Reply-To address, if any
	// ReturnPath is the envelope sender: from Return-Path, else from the
	// mbox "From " line. "<>" is the null sender (a bounce); "" means
	// unknown.
	ReturnPath string
	Date       time.Time // zero when absent or unreadable
	// Text is the body as plain text: text/plain preferred in
	// multipart/alternative, HTML turned into text otherwise (quoted HTML
	// blocks get "> " prefixes so that Reply removes them); charsets decoded
	// (UTF-8, ISO-8859-1/15, windows-1252...), quoted-printable and base64
	// undone, format=flowed joined; LF line endings.
	Text string
	// Files are the attachments and inline images that are the ticket's
	// files: tiny inline images (under 4 KiB, e.g. signature logos), the
	// text and HTML bodies and signatures (S/MIME, PGP) are not.
	Files []File
	// Refused names the parts that were left out because they cannot be
	// read: a TNEF "winmail.dat" (Outlook's rich text format) — the server
	// should tell the sender to send again in HTML or plain text.
	Refused []string `json:",omitempty"`
	Hash    string   // hex sha256 of the raw message (after the mbox "From " line), for dedup when no Message-ID
	Size    int64    // raw size in bytes (after the mbox "From " line)

	header message.Header
	temps  []string // temporary files to remove
}

// Header returns the decoded (RFC 2047) value of the first header field
// called name, "" if absent.
func (m *Message) Header(name string) string {
	if m == nil {
		return ""
	}
	v, err := m.header.Text(name)
	if err != nil {
		return strings.TrimSpace(m.header.Get(name))
	}
	return strings.TrimSpace(v)
}

// Headers returns the decoded values of every header field called name, in
// the message's order (the topmost, added by the last server the message
// went through, first); nil if absent.
func (m *Message) Headers(name string) []string {
	if m == nil {
		return nil
	}
	vals := m.header.Values(name)
	if len(vals) == 0 {
		return nil
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		d, err := decodeWords(v)
		if err != nil {
			d = v
		}
		out[i] = strings.TrimSpace(d)
	}
	return out
}

// IsAutomatic reports why no auto-reply may be sent to this message; "" means
// a person wrote it. The reasons are stable words, for logs:
// "auto-submitted" (Auto-Submitted other than "no", RFC 3834),
// "auto-reply" (X-Autoreply, X-Autorespond), "precedence" (bulk, list or
// junk), "list" (List-Id or List-Unsubscribe), "null-sender" (Return-Path
// <>), "mailer-daemon" (From a mailer-daemon or postmaster).
func (m *Message) IsAutomatic() string {
	if v := strings.ToLower(m.Header("Auto-Submitted")); v != "" && !strings.HasPrefix(v, "no") {
		return "auto-submitted"
	}
	if m.Header("X-Autoreply") != "" || m.Header("X-Autorespond") != "" {
		return "auto-reply"
	}
	switch strings.ToLower(m.Header("Precedence")) {
	case "bulk", "list", "junk", "auto_reply":
		return "precedence"
	}
	if m.Header("List-Id") != "" || m.Header("List-Unsubscribe") != "" {
		return "list"
	}
	if m.ReturnPath == "<>" {
		return "null-sender"
	}
	local, _, _ := strings.Cut(m.From.Email, "@")
	if local == "mailer-daemon" || local == "postmaster" {
		return "mailer-daemon"
	}
	return ""
}

// decodeWords decodes RFC 2047 encoded words with the charsets go-message
// knows.
func decodeWords(s string) (string, error) {
	d := mime.WordDecoder{CharsetReader: charset.Reader}
	return d.DecodeHeader(s)
}
