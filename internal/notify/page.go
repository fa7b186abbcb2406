package notify

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Page serves the read-only page of a ticket at GET /t/{token}: its
// fields, status, history and comments, nothing else (no file, no other
// ticket). A token that is not this server's, or malformed, is 404; an
// expired one 410; both with a plain page that names no ticket. A link
// to a ticket whose reporter's account is disabled is refused as a bad
// one: disabling someone shuts every door they had, e-mailed links
// included.
type Page struct {
	Store interface {
		GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error)
		UserLang(ctx context.Context, id int64) (string, error)
		UserByID(ctx context.Context, id int64) (*support.User, error)
	}
	Keys *Keyring
	Now  func() time.Time
}

// PageStore is what the page reads.
type PageStore interface {
	Store
	KeyStore
	UserByID(ctx context.Context, id int64) (*support.User, error)
}

// NewPage returns the page handler with the server's link keys.
func NewPage(ctx context.Context, st PageStore, now func() time.Time) (*Page, error) {
	if now == nil {
		now = time.Now
	}
	keys, err := NewKeyring(ctx, st, now)
	if err != nil {
		return nil, err
	}
	return &Page{Store: st, Keys: keys, Now: now}, nil
}

// Token returns a fresh token of ticket n's page, valid LinkValidity,
// signed with the key in force: what a ticket read gives as its url.
func (p *Page) Token(ctx context.Context, n support.Number) string {
	return p.Keys.Signer(ctx).Sign(n, p.Now().Add(LinkValidity))
}

var pageLabels = map[string]map[string]string{
	locale.FR: {"status": "Statut", "updated": "mis à jour le", "history": "Historique", "comments": "Échanges",
		"files": "Pièces jointes", "none": "Aucun échange pour l'instant.", "created": "ticket créé",
		"readonly":  "Page en lecture seule, ouverte par le lien signé d'un e-mail du support.",
		"bad.title": "Lien invalide", "bad.text": "Ce lien ne correspond à aucun ticket. Vérifiez qu'il a été copié en entier.",
		"expired.title": "Lien expiré", "expired.text": "Ce lien a expiré. Le prochain e-mail du support en contiendra un nouveau ; vous pouvez aussi suivre le ticket avec ent-support show.",
		"priority": "priorité", "assignee": "pris en charge par"},
	locale.EN: {"status": "Status", "updated": "updated", "history": "History", "comments": "Messages",
		"files": "Attachments", "none": "No messages yet.", "created": "ticket created",
		"readonly":  "Read-only page, opened by the signed link of an e-mail from support.",
		"bad.title": "Invalid link", "bad.text": "This link matches no ticket. Check that it was copied whole.",
		"expired.title": "Expired link", "expired.text": "This link has expired. The next e-mail from support will carry a new one; you can also follow the ticket with ent-support show.",
		"priority": "priority", "assignee": "assigned to"},
}

type pageEntry struct{ At, Actor, What, Message string }
type pageComment struct{ Author, At, Body, Files string }

func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	n, err := p.Keys.Verify(r.Context(), r.PathValue("token"), p.Now())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	t, err := p.Store.GetTicket(r.Context(), n)
	if err != nil {
		if support.ErrorCode(err) == support.ENOTFOUND {
			p.fail(w, r, ErrBadLink)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// A ticket with no account behind it (none to disable) keeps its
	// links.
	if u, err := p.Store.UserByID(r.Context(), t.CreatedBy); err != nil && support.ErrorCode(err) != support.ENOTFOUND {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	} else if err == nil && u.Disabled {
		p.fail(w, r, ErrBadLink)
		return
	}
	lang, err := p.Store.UserLang(r.Context(), t.CreatedBy)
	if err != nil {
		lang = locale.FR
	}
	lang = Lang(lang)
	L := pageLabels[lang]
	when := func(at time.Time) string { return at.UTC().Format("2006-01-02 15:04 UTC") }
	var hist []pageEntry
	for _, e := range t.History {
		what := statusLabel(lang, string(e.To))
		switch {
		case e.Field == support.FieldPriority:
			what = locale.Label(lang, L["priority"]) + " " + string(e.From) + " → " + string(e.To)
		case e.Field == support.FieldAssignee:
			what = L["assignee"] + " " + string(e.To)
		case e.From == "":
			what = L["created"] + " (" + what + ")"
		default:
			what = statusLabel(lang, string(e.From)) + " → " + what
		}
		hist = append(hist, pageEntry{when(e.At), e.Actor, what, e.Message})
	}
	var comments []pageComment
	for _, c := range t.Comments {
		var names []string
		for _, a := range c.Attachments {
			names = append(names, a.Name)
		}
		comments = append(comments, pageComment{c.Author, when(c.CreatedAt), c.Body, strings.Join(names, ", ")})
	}
	data := map[string]any{"Lang": lang, "L": L, "Number": t.Number.String(), "Ticket": t,
		"StatusLabel": statusLabel(lang, string(t.Status)), "Updated": when(t.UpdatedAt),
		"Fields": receipt(lang, t), "History": hist, "Comments": comments}
	var b bytes.Buffer
	if err := pageTmpl().ExecuteTemplate(&b, "page", data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(b.Bytes())
}

// fail answers a bad or expired link in the reader's language.
func (p *Page) fail(w http.ResponseWriter, r *http.Request, err error) {
	lang := Lang(locale.FromAcceptLanguage(r.Header.Get("Accept-Language")))
	L := pageLabels[lang]
	status, k := http.StatusNotFound, "bad"
	if errors.Is(err, ErrExpiredLink) {
		status, k = http.StatusGone, "expired"
	}
	var b bytes.Buffer
	_ = pageTmpl().ExecuteTemplate(&b, "error", map[string]string{"Lang": lang, "Title": L[k+".title"], "Text": L[k+".text"]})
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
