package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// MailKeyPrefix starts the idempotency key of a ticket that came by
// e-mail; the rest is the Message-ID of that e-mail, which the receipt
// answers (In-Reply-To), so that it lands in the sender's thread.
const MailKeyPrefix = "mail:"

// Team templates: what the support team's copy says.
const (
	TmplTeamNew      = "team_new"
	TmplTeamComment  = "team_comment"
	TmplTeamReopened = "team_reopened"
)

// TeamTemplate returns the template of the team's copy of e, or "" when
// the team gets none: new tickets, reporters' comments (agents' replies
// are the team's own words) and reopenings.
func TeamTemplate(e support.Event) string {
	switch e.Kind {
	case support.EventCreated:
		return TmplTeamNew
	case support.EventComment:
		if !e.Role.IsStaff() {
			return TmplTeamComment
		}
	case support.EventStatus:
		if support.Status(e.From) == support.StatusResolved && support.Status(e.To) == support.StatusOpen {
			return TmplTeamReopened
		}
	}
	return ""
}

// teamDelivery is the team's copy of event e, when it gets one. It is in
// French: the team's language is the server's. Its files are the ticket's
// own for a new ticket, the comment's for a comment.
func (n *Notifier) teamDelivery(ctx context.Context, e support.Event, tickets map[support.Number]*support.Ticket, now time.Time) (support.MailDelivery, bool, error) {
	tmpl := TeamTemplate(e)
	if n.cfg.TeamMail == "" || tmpl == "" || now.Sub(e.At) > n.cfg.MaxAge {
		return support.MailDelivery{}, false, nil
	}
	t := tickets[e.Ticket]
	if t == nil {
		var err error
		if t, err = n.cfg.Store.GetTicket(ctx, e.Ticket); support.ErrorCode(err) == support.ENOTFOUND {
			return support.MailDelivery{}, false, nil
		} else if err != nil {
			return support.MailDelivery{}, false, err
		}
		tickets[e.Ticket] = t
	}
	exp := now.Add(LinkValidity)
	m, err := RenderTeam("fr", tmpl, t, e, n.Link(t.Number, exp), exp)
	if err != nil {
		n.cfg.Log.Error("mail template", "event", e.ID, "error", err)
		return support.MailDelivery{}, false, nil
	}
	d := support.MailDelivery{EventID: e.ID, Recipient: n.cfg.TeamMail, MessageID: n.teamMessageID(e.ID, t.Number),
		Subject: m.Subject, Text: m.Text, NextAttempt: now}
	for _, a := range t.Attachments {
		if (e.Kind == support.EventCreated && a.CommentID == 0) || (e.Kind == support.EventComment && a.CommentID == e.CommentID && e.CommentID != 0) {
			d.Files = append(d.Files, support.MailFile{Ticket: t.Number, ID: a.ID})
		}
	}
	return d, true, nil
}

func (n *Notifier) teamMessageID(id int64, num support.Number) string {
	return fmt.Sprintf("ev-%d.%s.team@%s", id, num, n.host)
}

// opener reads the files of a delivery from the store.
func (n *Notifier) opener(ctx context.Context) opener {
	return func(f support.MailFile) (*support.Attachment, io.ReadCloser, error) {
		return n.cfg.Store.OpenAttachment(ctx, f.Ticket, f.ID)
	}
}

// RenderTeam renders the team's copy of event e about ticket t: plain
// text, every field of the ticket, and the comment or the reason given.
func RenderTeam(lang, tmpl string, t *support.Ticket, e support.Event, link string, expires time.Time) (Mail, error) {
	lang = Lang(lang)
	d := mailData{Number: t.Number.String(), Ticket: t, Actor: e.Actor, Message: e.Message,
		Attachments: e.Attachments, Fields: receipt(lang, t), Link: link, Expires: expires.UTC().Format("2006-01-02")}
	var subj, text bytes.Buffer
	if err := textTmpl()[lang].ExecuteTemplate(&subj, "subject."+tmpl, d); err != nil {
		return Mail{}, err
	}
	if err := textTmpl()[lang].ExecuteTemplate(&text, tmpl, d); err != nil {
		return Mail{}, err
	}
	return Mail{Subject: strings.Join(strings.Fields(subj.String()), " "), Text: text.String()}, nil
}

// TicketOfMessageID returns the ticket number that one of our own
// notification Message-IDs (ev-EVENT.NUMBER[.team]@host) names, "" for
// any other id. host is the public URL's host: another server's ids do
// not count.
func TicketOfMessageID(id, host string) string {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || !strings.EqualFold(domain, host) {
		return ""
	}
	rest, ok := strings.CutPrefix(local, "ev-")
	if !ok {
		return ""
	}
	_, num, ok := strings.Cut(rest, ".")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(num, ".team")
}
