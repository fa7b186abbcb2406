package factory

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/locale"
)

// capabilities lists what a back end offers, by the names of the
// "not supported" messages.
func capabilities(b *cmdutil.Backend) []string {
	var out []string
	for name, get := range map[string]func() error{
		"info":           func() error { _, err := b.Info(); return err },
		"tickets":        func() error { _, err := b.Tickets(); return err },
		"identity":       func() error { _, err := b.Identity(); return err },
		"contact_editor": func() error { _, err := b.ContactEditor(); return err },
		"directory":      func() error { _, err := b.Directory(); return err },
		"workflow":       func() error { _, err := b.Workflow(); return err },
		"follower":       func() error { _, err := b.Follower(); return err },
		"admin":          func() error { _, err := b.Admin(); return err },
		"doctor":         func() error { _, err := b.Doctor(); return err },
		"mail_poster":    func() error { _, err := b.MailPoster(); return err },
	} {
		if get() == nil {
			out = append(out, name)
		}
	}
	if b.Caps.TokenChecker != nil {
		out = append(out, "token_checker")
	}
	slices.Sort(out)
	return out
}

// Each kind's constructor declares what its back end offers, and what it
// lacks is a "not supported" error naming the back end: our server has
// everything, RT and Redmine have no directory, no contact editor and no
// admin service. Building a back end sends nothing.
func TestBackendKinds(t *testing.T) {
	all := []string{"admin", "contact_editor", "directory", "doctor", "follower", "identity", "info", "tickets", "workflow"}
	helpdesk := []string{"doctor", "follower", "identity", "info", "tickets", "workflow"}
	tests := []struct {
		kind config.Backend
		name string
		want []string
	}{
		{config.Backend{}, "ent-support", append(slices.Clone(all), "mail_poster")},
		{config.Backend{Kind: config.KindRT, Queue: "ENT Support"}, "Request Tracker (RT)", append(slices.Clone(helpdesk), "token_checker")},
		{config.Backend{Kind: config.KindRedmine, Project: "ent", Tracker: "Assistance"}, "Redmine", helpdesk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := testFactory(t, map[string]string{config.EnvStateDir: t.TempDir()})
			b, err := f.Connect(testServer, "a-token", tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(tt.want)
			if got := capabilities(b); !slices.Equal(got, tt.want) {
				t.Errorf("capabilities %v, want %v", got, tt.want)
			}
			if b.Name != tt.name || b.Embedded {
				t.Errorf("name %q (embedded %v), want %q", b.Name, b.Embedded, tt.name)
			}
			if _, err := b.Admin(); err != nil && !cmdutil.IsUnsupported(err) {
				t.Errorf("Admin: %v, want a capability or an UnsupportedError", err)
			}
		})
	}
	t.Run("embedded", func(t *testing.T) {
		f, _ := testFactory(t, map[string]string{config.EnvDataDir: filepath.Join(t.TempDir(), "data")})
		defer f.Cleanup()
		b, err := f.Backend()
		if err != nil {
			t.Fatal(err)
		}
		if got := capabilities(b); !slices.Equal(got, all) || !b.Embedded || !f.Embedded() {
			t.Errorf("capabilities %v (embedded %v), want %v, embedded", got, b.Embedded, all)
		}
	})
}

// The real factory, on a Redmine profile, refuses what Redmine lacks with
// the message in the user's language, and gives the rest.
func TestFactoryUnsupportedOnRedmine(t *testing.T) {
	f, dir := testFactory(t, map[string]string{config.EnvStateDir: t.TempDir()})
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetProfile("", &config.Profile{Server: testServer, Token: "a-key",
		Backend: config.Backend{Kind: config.KindRedmine, Project: "ent", Tracker: "Assistance"}})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Tickets(); err != nil {
		t.Fatalf("Tickets: %v", err)
	}
	_, err = f.Admin()
	if !cmdutil.IsUnsupported(err) {
		t.Fatalf("Admin: %v, want an UnsupportedError", err)
	}
	for lang, want := range map[string]string{
		locale.FR: "La fonction «\u00a0administration d'ent-support\u00a0» n'est pas disponible avec le back end Redmine : gérez comptes et droits dans Redmine.",
		locale.EN: `The "ent-support administration" function is not available with the Redmine back end; manage accounts and rights in Redmine.`,
	} {
		if got := locale.Message(lang, err); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
