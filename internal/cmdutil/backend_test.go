package cmdutil

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// info is the one capability of the bare back end below.
type info struct{}

func (info) Info(context.Context) (*support.ServerInfo, error) { return &support.ServerInfo{}, nil }

// A back end that lacks a capability gives, for each, an UnsupportedError
// that is an EINVALID support.Error (exit 2 in entcmd's table) whose
// message names the need and the back end in both languages; the one it
// has comes back as given.
func TestBackendCapabilities(t *testing.T) {
	b := &Backend{Kind: "redmine", Name: "Redmine", Caps: Capabilities{Info: info{}}}
	f := &Factory{Backend: func() (*Backend, error) { return b, nil }}
	if got, err := f.Info(); err != nil || got != (info{}) {
		t.Fatalf("Info() = %v, %v; want the back end's", got, err)
	}
	missing := map[string]func() (any, error){
		"tickets":        func() (any, error) { return f.Tickets() },
		"identity":       func() (any, error) { return f.Identity() },
		"contact_editor": func() (any, error) { return f.ContactEditor() },
		"directory":      func() (any, error) { return f.Directory() },
		"workflow":       func() (any, error) { return f.Workflow() },
		"follower":       func() (any, error) { return f.Follower() },
		"admin":          func() (any, error) { return f.Admin() },
		"doctor":         func() (any, error) { return f.Doctor() },
		"mail_poster":    func() (any, error) { return b.MailPoster() },
	}
	for need, get := range missing {
		_, err := get()
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Need != need || !IsUnsupported(err) {
			t.Errorf("%s: %#v, want an UnsupportedError for %q", need, err, need)
			continue
		}
		if support.ErrorCode(err) != support.EINVALID {
			t.Errorf("%s: code %q, want %q (exit 2)", need, support.ErrorCode(err), support.EINVALID)
		}
		for _, lang := range []string{locale.FR, locale.EN} {
			msg := locale.Message(lang, err)
			if !strings.Contains(msg, "Redmine") || strings.Contains(msg, "cli.unsupported") || strings.Contains(msg, "{") {
				t.Errorf("%s in %s: %q, want a sentence naming Redmine", need, lang, msg)
			}
		}
	}
	fr := locale.Message(locale.FR, b.Unsupported("directory"))
	if want := "La fonction «\u00a0recherche d'établissements\u00a0» n'est pas disponible avec le back end Redmine"; !strings.HasPrefix(fr, want) {
		t.Errorf("fr: %q, want it to start with %q", fr, want)
	}
	en := locale.Message(locale.EN, b.Unsupported("directory"))
	if want := `The "establishment search" function is not available with the Redmine back end`; !strings.HasPrefix(en, want) {
		t.Errorf("en: %q, want it to start with %q", en, want)
	}
}

// A Factory whose back end failed to open, or was never set, says so for
// every capability; nothing panics.
func TestBackendOpenErrors(t *testing.T) {
	boom := support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil)
	f := &Factory{Backend: func() (*Backend, error) { return nil, boom }}
	if _, err := f.Tickets(); !errors.Is(err, boom) {
		t.Errorf("Tickets() = %v, want the open error", err)
	}
	if f.Embedded() {
		t.Error("Embedded() = true for a back end that failed to open")
	}
	var none Factory
	if _, err := none.Admin(); err == nil || IsUnsupported(err) {
		t.Errorf("Admin() without a Backend = %v, want an error of its own", err)
	}
	if none.Embedded() {
		t.Error("Embedded() = true without a Backend")
	}
}
