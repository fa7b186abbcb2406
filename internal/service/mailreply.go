package service

import (
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/mailin"
	"github.com/ent-support/ent-support/internal/support"
)

// The automatic answers to incoming mail, in the account's language
// (French when the sender has no account). Plain text: they are read in
// any mail client, and quoted back in the answer to them.

// mailLang is the language of the answers to in's sender.
func mailLang(in *mailIn) string {
	if in.user != nil && in.user.Lang == locale.EN {
		return locale.EN
	}
	return locale.FR
}

// autoReply is an answer to in: threaded under it, marked automatic.
func (s *Service) autoReply(in *mailIn, kind, lang string, paragraphs ...string) support.MailDelivery {
	refs := make([]string, 0, len(in.m.InReplyTo)+1)
	for _, id := range in.m.InReplyTo {
		refs = append(refs, "<"+id+">")
	}
	d := support.MailDelivery{Recipient: in.sender, MessageID: s.replyMessageID(kind),
		Subject:   locale.T(lang, "mail.reply.subject", map[string]string{"subject": strings.TrimSpace(in.m.Subject)}),
		AutoReply: true, NextAttempt: s.cfg.Now()}
	if in.m.MessageID != "" {
		d.InReplyTo = in.m.MessageID
		refs = append(refs, "<"+in.m.MessageID+">")
	}
	d.References = strings.Join(refs, " ")
	body := append([]string{locale.T(lang, "mail.reply.hello", nil)}, paragraphs...)
	d.Text = strings.Join(body, "\n\n") + "\n\n-- \n" + locale.T(lang, "mail.reply.signature", nil) + "\n"
	return d
}

// channels are the support's channels, as `contact` says them.
func (s *Service) channels(lang string) string {
	c := s.cfg.Contact
	lines := []string{locale.T(lang, "cli.contact.email", map[string]string{"email": c.Email})}
	hours := c.Hours
	if h, err := support.ParseHours(c.Hours); err == nil {
		hours = locale.Hours(lang, h)
	}
	lines = append(lines, locale.T(lang, "cli.contact.phone", map[string]string{"phone": c.Phone, "hours": hours}))
	if c.MaintenancePhone != "" {
		lines = append(lines, locale.T(lang, "cli.contact.maintenance", map[string]string{"phone": c.MaintenancePhone}))
	}
	return strings.Join(lines, "\n")
}

// procedureReply answers a sender with no account allowed to contact
// support: who may, and the channels.
func (s *Service) procedureReply(lang string, in *mailIn) support.MailDelivery {
	return s.autoReply(in, "procedure", lang,
		locale.T(lang, "mail.reply.unknown", map[string]string{"email": in.sender, "subject": strings.TrimSpace(in.m.Subject)}),
		locale.T(lang, "mail.reply.who", nil),
		locale.T(lang, "mail.reply.channels", nil)+"\n\n"+s.channels(lang))
}

// deniedReply answers a reply to a ticket its sender may not see: the
// ticket is not touched, and nothing of it is said.
func (s *Service) deniedReply(in *mailIn, n support.Number) support.MailDelivery {
	lang := mailLang(in)
	return s.autoReply(in, "denied", lang,
		locale.T(lang, "mail.reply.denied", map[string]string{"number": n.String(), "email": in.sender}),
		locale.T(lang, "mail.reply.channels", nil)+"\n\n"+s.channels(lang))
}

// problemsReply answers a reply to a ticket that could not be added to it
// (a closed ticket, a refused file...), with each reason.
func (s *Service) problemsReply(in *mailIn, n support.Number, err error) support.MailDelivery {
	lang := mailLang(in)
	e := support.AsError(err)
	var reasons []string
	if len(e.Fields) == 0 {
		reasons = append(reasons, "- "+locale.Message(lang, err))
	}
	reasons = append(reasons, problemLines(lang, e.Fields)...)
	return s.autoReply(in, "refused", lang,
		locale.T(lang, "mail.reply.not_added", map[string]string{"number": n.String()}),
		strings.Join(reasons, "\n"))
}

// problemLines lists field errors in the CLI's words, one field per item:
// its label, then the rule on the next line. The label is not followed by
// a colon, so that quoting this answer back does not read as a field.
func problemLines(lang string, fes []support.FieldError) []string {
	out := make([]string, 0, len(fes))
	for _, fe := range fes {
		out = append(out, "- "+locale.FieldLabel(lang, fe.Field)+" ("+fe.Field+")\n  "+locale.Rule(lang, fe))
	}
	return out
}

// incompleteReply lists what a request by e-mail lacks, with a template
// to fill in: the procedure's labels (which the server reads, whatever the
// answer's language), filled with what is known.
func (s *Service) incompleteReply(in *mailIn, req mailin.Request, fes []support.FieldError) support.MailDelivery {
	lang := mailLang(in)
	return s.autoReply(in, "request", lang,
		locale.T(lang, "mail.reply.incomplete", map[string]string{"days": strconv.Itoa(PendingMailDays)}),
		strings.Join(problemLines(lang, fes), "\n"),
		locale.T(lang, "mail.reply.template", nil)+"\n\n"+template(in.user, req))
}

// template is the request form as "Label : value" lines.
func template(u *support.User, r mailin.Request) string {
	name, phone, fn := r.Name, r.Phone, r.Function
	est := strings.TrimSpace(strings.Join(nonEmpty(r.UAI, r.Establishment), " ") + " / " + r.City)
	if u != nil && u.Role == support.RoleReporter {
		// What the account gives is shown, so the sender sees it is known.
		if name == "" {
			name = u.Name
		}
		if phone == "" {
			phone = support.FormatPhone(u.Phone)
		}
		if r.UAI == "" && len(u.Establishments) == 1 {
			est = u.Establishments[0].UAI
		}
		if fn == "" && len(u.Establishments) == 1 {
			fn = string(u.Establishments[0].Function)
		}
	}
	if est == "/" {
		est = ""
	}
	lines := []struct{ key, value string }{
		{"name", name},
		{"function", fn},
		{"phone", phone},
		{"establishment", est},
		{"subject", r.Subject},
		{"population", strings.Join(r.Populations, ", ")},
		{"description", r.Description},
		{"location", r.Location},
		{"priority", r.Priority},
	}
	var b strings.Builder
	for _, l := range lines {
		// The procedure's French labels, which the server reads, in
		// every language.
		b.WriteString(mailin.TemplateLabel(l.key) + " : " + l.value + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
