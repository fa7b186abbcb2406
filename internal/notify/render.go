package notify

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

//go:embed templates
var templateFS embed.FS

// The templates are parsed on first use, not at start-up: only the server
// sends mail or shows the ticket page, and every other command (a TAB
// completion, --version) would pay for parsing them. A broken template
// still fails every test that renders one.
var (
	textTmpl = sync.OnceValue(func() map[string]*texttemplate.Template {
		funcs := texttemplate.FuncMap{"join": strings.Join}
		m := map[string]*texttemplate.Template{}
		for _, l := range []string{locale.FR, locale.EN} {
			m[l] = texttemplate.Must(texttemplate.New(l).Funcs(funcs).ParseFS(templateFS, "templates/"+l+".txt.tmpl"))
		}
		return m
	})
	htmlTmpl = sync.OnceValue(func() map[string]*htmltemplate.Template {
		m := map[string]*htmltemplate.Template{}
		for _, l := range []string{locale.FR, locale.EN} {
			m[l] = htmltemplate.Must(htmltemplate.New(l).ParseFS(templateFS, "templates/"+l+".html.tmpl"))
		}
		return m
	})
	pageTmpl = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("page").ParseFS(templateFS, "templates/page.html.tmpl"))
	})
)

// Lang returns l when e-mails exist in it, else French.
func Lang(l string) string {
	if l == locale.EN {
		return locale.EN
	}
	return locale.FR
}

// field is one line of a receipt: a label and the value as submitted.
type field struct{ Label, Value string }

// mailData is what the mail templates see. Everything in it that a
// person typed is escaped by html/template in the HTML part.
type mailData struct {
	Number      string
	Ticket      *support.Ticket
	Fields      []field
	Actor       string
	Message     string
	Attachments []string
	FromLabel   string
	ToLabel     string
	Link        string
	Expires     string
}

// Mail is a rendered e-mail.
type Mail struct{ Subject, Text, HTML string }

// Template names: what an event mails.
const (
	TmplCreated  = "created"
	TmplComment  = "comment"
	TmplStatus   = "status"
	TmplResolved = "resolved"
)

// Template returns the template that mails the reporter about e, or ""
// when e mails nobody: the reporter's own comments, priority and assignee
// changes.
func Template(e support.Event) string {
	switch e.Kind {
	case support.EventCreated:
		return TmplCreated
	case support.EventComment:
		if e.Role.IsStaff() {
			return TmplComment
		}
	case support.EventStatus:
		if support.Status(e.To) == support.StatusResolved {
			return TmplResolved
		}
		return TmplStatus
	}
	return ""
}

// Render renders the e-mail of event e about ticket t in lang, with the
// link to the ticket's page valid until expires.
func Render(lang, tmpl string, t *support.Ticket, e support.Event, link string, expires time.Time) (Mail, error) {
	lang = Lang(lang)
	d := mailData{Number: t.Number.String(), Ticket: t, Actor: e.Actor, Message: e.Message,
		Attachments: e.Attachments, Link: link, Expires: expires.UTC().Format("2006-01-02")}
	switch tmpl {
	case TmplCreated:
		d.Fields = receipt(lang, t)
		d.Message = ""
	case TmplStatus, TmplResolved:
		d.FromLabel, d.ToLabel = statusLabel(lang, e.From), statusLabel(lang, e.To)
	}
	var subj, text, html bytes.Buffer
	if err := textTmpl()[lang].ExecuteTemplate(&subj, "subject."+tmpl, d); err != nil {
		return Mail{}, err
	}
	if err := textTmpl()[lang].ExecuteTemplate(&text, tmpl, d); err != nil {
		return Mail{}, err
	}
	if err := htmlTmpl()[lang].ExecuteTemplate(&html, tmpl, d); err != nil {
		return Mail{}, err
	}
	return Mail{Subject: strings.Join(strings.Fields(subj.String()), " "), Text: text.String(), HTML: html.String()}, nil
}

func label(lang, key, fallback string) string {
	if locale.Has(lang, key) {
		return locale.T(lang, key, nil)
	}
	return fallback
}

func statusLabel(lang, s string) string { return label(lang, "cli.status."+s, s) }

// receipt is every field of the ticket as submitted, in the form's order.
func receipt(lang string, t *support.Ticket) []field {
	f := func(key, v string) field { return field{locale.FieldLabel(lang, key), v} }
	pops := make([]string, 0, len(t.Population))
	for _, p := range t.Population {
		pops = append(pops, label(lang, "cli.population."+string(p), string(p)))
	}
	var files []string
	for _, a := range t.Attachments {
		if a.CommentID == 0 {
			files = append(files, a.Name)
		}
	}
	out := []field{
		f("reporter.name", t.Reporter.Name),
		f("reporter.function", label(lang, "cli.function."+string(t.Reporter.Function), string(t.Reporter.Function))),
		f("reporter.phone", t.Reporter.Phone),
		f("reporter.email", t.Reporter.Email),
		f("establishment.uai", t.Establishment.UAI),
		f("establishment.name", t.Establishment.Name),
		f("establishment.city", t.Establishment.City),
		f("subject", t.Subject),
		f("population", strings.Join(pops, ", ")),
		f("description", t.Description),
		f("location", t.Location),
		f("priority", string(t.Priority)),
	}
	if len(files) > 0 {
		out = append(out, f("attachments", strings.Join(files, ", ")))
	}
	return out
}
