package notify

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/wneessen/go-mail"
)

// SMTP sends e-mails through one SMTP server, given as a URL:
//
//	smtp://[user:pass@]host[:587]        STARTTLS, mandatory (the default)
//	smtps://[user:pass@]host[:465]       implicit TLS
//	smtp://host:1025?tls=none            no TLS at all (a local test server)
//	smtp+plain://host:1025               the same
//
// With a user, it authenticates (the best mechanism the server offers).
type SMTP struct {
	host string
	opts []mail.Option
	from string
}

// ParseSMTP checks an SMTP URL and the sender address.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("notify: invalid SMTP URL")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("notify: SMTP URL %s has no host", u.Redacted())
	}
	s := &SMTP{host: u.Hostname(), from: from,
		opts: []mail.Option{mail.WithTimeout(30 * time.Second)}}
	port := 587
	tlsMode := u.Query().Get("tls")
	switch u.Scheme {
	case "smtp":
	case "smtp+plain":
		tlsMode = "none"
	case "smtps":
		port = 465
		tlsMode = "implicit"
	default:
		return nil, fmt.Errorf("notify: SMTP URL scheme %q: want smtp, smtps or smtp+plain", u.Scheme)
	}
	switch tlsMode {
	case "", "starttls":
		s.opts = append(s.opts, mail.WithTLSPortPolicy(mail.TLSMandatory))
	case "none":
		s.opts = append(s.opts, mail.WithTLSPolicy(mail.NoTLS))
	case "implicit":
		s.opts = append(s.opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("notify: SMTP URL tls=%q: want starttls or none", tlsMode)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("notify: SMTP URL %s: invalid port", u.Redacted())
		}
	}
	s.opts = append(s.opts, mail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		// A password is never sent in clear: go-mail would refuse at every
		// send, and an operator would only see mail piling up.
		if tlsMode == "none" {
			return nil, fmt.Errorf("notify: SMTP URL %s: a user and password need TLS (smtp:// with STARTTLS, or smtps://), not tls=none", u.Redacted())
		}
		pass, _ := u.User.Password()
		s.opts = append(s.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return s, nil
}

// opener reads a ticket's file to attach to an e-mail.
type opener func(f support.MailFile) (*support.Attachment, io.ReadCloser, error)

// message builds the MIME message of d: text, with its HTML alternative
// when it has one, threaded under the message it answers, with its files.
func (s *SMTP) message(d support.MailDelivery, now time.Time, open opener) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(s.from); err != nil {
		return nil, err
	}
	if err := m.To(d.Recipient); err != nil {
		return nil, err
	}
	m.Subject(d.Subject)
	m.SetMessageIDWithValue(d.MessageID)
	m.SetDateWithValue(now)
	if d.InReplyTo != "" {
		m.SetGenHeader(mail.HeaderInReplyTo, "<"+d.InReplyTo+">")
	}
	if d.References != "" {
		m.SetGenHeader(mail.HeaderReferences, d.References)
	}
	if d.AutoReply {
		// RFC 3834: robots (vacation replies, other helpdesks) must not
		// answer this one, which stops loops at their end.
		m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-replied")
	}
	m.SetBodyString(mail.TypeTextPlain, d.Text)
	if d.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, d.HTML)
	}
	for _, f := range d.Files {
		a, rc, err := open(f)
		if support.ErrorCode(err) == support.ENOTFOUND {
			continue // a file gone since: the rest still goes
		} else if err != nil {
			return nil, err
		}
		err = m.AttachReader(a.Name, rc, mail.WithFileContentType(mail.ContentType(a.ContentType)))
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// session is one SMTP connection, through which deliveries go one by one,
// so that each is marked sent as soon as the server accepted it.
type session struct {
	c *mail.Client
	s *SMTP
}

// dial opens a connection (STARTTLS and AUTH as the URL says).
func (s *SMTP) dial(ctx context.Context) (*session, error) {
	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, err
	}
	return &session{c: c, s: s}, nil
}

func (ss *session) send(d support.MailDelivery, now time.Time, open opener) error {
	m, err := ss.s.message(d, now, open)
	if err != nil {
		if support.ErrorCode(err) != support.EINTERNAL {
			return err // the store could not read a file now: not the message's fault
		}
		return &badMessage{err}
	}
	return ss.c.Send(m)
}

// badMessage is a delivery that cannot be made into an e-mail (an address
// that does not parse): no retry will change it.
type badMessage struct{ err error }

func (e *badMessage) Error() string { return "notify: bad message: " + e.err.Error() }
func (e *badMessage) Unwrap() error { return e.err }

func (ss *session) close() { _ = ss.c.Close() }
