// Package imapin takes the support's incoming mail from an IMAP mailbox:
// it hands each message of the mailbox to the mail pipeline and, once the
// pipeline has committed the result, moves the message to the "Traités"
// folder. A message the pipeline could not take (store busy, server
// stopping) stays in the mailbox and is tried again later; one it can
// never take (not mail, too large) goes to "À examiner" for a person.
//
// It knows nothing of tickets: the pipeline is a support.MailHandler (the
// server's service), whose deduplication by Message-ID, written in the
// same transaction as the ticket, makes a message handled twice (a crash
// between the commit and the move, two server processes polling the same
// mailbox) a duplicate, not a second ticket.
package imapin

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// TLS modes of a Target.
const (
	TLSImplicit = "implicit" // imaps://: TLS from the first byte
	TLSStart    = "starttls" // imap://: STARTTLS, mandatory
	TLSNone     = "none"     // imap://…?tls=none or imap+plain://: loopback only
)

// Target is the mailbox named by an --imap URL.
type Target struct {
	Addr    string // host:port
	Host    string
	User    string
	Mailbox string // INBOX by default
	TLS     string // TLSImplicit, TLSStart or TLSNone
}

// ParseURL reads the mailbox's URL:
//
//	imaps://USER@HOST[:993]/INBOX         TLS from the first byte
//	imap://USER@HOST[:143]/INBOX          STARTTLS, mandatory
//	imap+plain://USER@127.0.0.1:1143/     no TLS: loopback only (tests)
//
// The password is never in the URL (a command line is visible to every
// local user); it comes from elsewhere (the server's environment or a
// file). The error names the rule broken, in English: the caller turns it
// into the flag's field error.
func ParseURL(raw string) (Target, error) {
	var t Target
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return t, fmt.Errorf("not a URL")
	}
	tlsMode := u.Query().Get("tls")
	port := "143"
	switch u.Scheme {
	case "imaps":
		port, tlsMode = "993", TLSImplicit
	case "imap":
		switch tlsMode {
		case "", TLSStart:
			tlsMode = TLSStart
		case TLSNone:
		default:
			return t, fmt.Errorf("tls=%q: want starttls or none", tlsMode)
		}
	case "imap+plain":
		tlsMode = TLSNone
	default:
		return t, fmt.Errorf("scheme %q: want imaps, imap or imap+plain", u.Scheme)
	}
	t.Host, t.TLS = u.Hostname(), tlsMode
	if t.Host == "" {
		return t, fmt.Errorf("no host")
	}
	if u.User == nil || u.User.Username() == "" {
		return t, fmt.Errorf("no user (imaps://USER@HOST/INBOX)")
	}
	if _, set := u.User.Password(); set {
		return t, fmt.Errorf("a password in the URL: give it in the environment or a file")
	}
	t.User = u.User.Username()
	if p := u.Port(); p != "" {
		port = p
	}
	t.Addr = net.JoinHostPort(t.Host, port)
	t.Mailbox = strings.Trim(u.Path, "/")
	if t.Mailbox == "" {
		t.Mailbox = "INBOX"
	}
	// A password in clear text crosses nothing but this machine.
	if t.TLS == TLSNone && !loopback(t.Host) {
		return t, fmt.Errorf("no TLS to %s: only a loopback address may go without TLS", t.Host)
	}
	return t, nil
}

// String is the URL without secrets, for the log.
func (t Target) String() string {
	scheme := "imap"
	switch t.TLS {
	case TLSImplicit:
		scheme = "imaps"
	case TLSNone:
		scheme = "imap+plain"
	}
	return scheme + "://" + url.User(t.User).String() + "@" + t.Addr + "/" + t.Mailbox
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
