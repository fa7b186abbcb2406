package auth

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zalando/go-keyring"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/credentials"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

const (
	server = "https://assistance.example.org"
	token  = "ents_ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
)

func TestLoginFlags(t *testing.T) {
	tests := []struct {
		args []string
		want LoginOptions
	}{
		{nil, LoginOptions{}},
		{[]string{"--with-token"}, LoginOptions{WithToken: true}},
		{[]string{"--server", server, "--with-token"}, LoginOptions{Server: server, WithToken: true}},
	}
	for _, tt := range tests {
		f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
		var got *LoginOptions
		cmd := NewCmdLogin(f, func(o *LoginOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.Server != tt.want.Server || got.WithToken != tt.want.WithToken {
			t.Errorf("%v: got server %q with-token %v", tt.args, got.Server, got.WithToken)
		}
	}
}

// setup is the factory of the tests: a fake server whose Me refuses any
// token but token, and a keyring that is missing (a headless box).
func setup(t *testing.T) (*cmdutil.Factory, *cmdtest.Tickets, *credentials.Store, func() (string, string)) {
	t.Helper()
	keyring.MockInitWithError(errors.New("no keyring here"))
	fake := cmdtest.NewTickets()
	f, _, out, errOut := cmdtest.Factory(t, fake)
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	store := credentials.New(strings.TrimSuffix(cfg.Path(), config.FileName))
	f.Credentials = func() (*credentials.Store, error) { return store, nil }
	f.Connect = func(srv, tok string, b config.Backend) (*cmdutil.Backend, error) {
		if tok != token {
			return cmdtest.Backend(&refusing{fake}), nil
		}
		return cmdtest.Backend(fake), nil
	}
	f.Resolve = func() (config.Resolved, error) {
		r, err := f.Server()
		if err != nil {
			return config.Resolved{}, err
		}
		if found, _ := store.Get(r.Profile, r.Server); found.Token != "" && r.TokenSource != config.TokenEnv {
			r.Token, r.TokenSource = found.Token, found.Source
		}
		return r, nil
	}
	return f, fake, store, func() (string, string) { return out.String(), errOut.String() }
}

// refusing answers Me like a server that does not know the token.
type refusing struct{ *cmdtest.Tickets }

func (r *refusing) Me(ctx context.Context) (*support.User, error) {
	return nil, support.Errorf(support.EUNAUTHENTICATED, "error.unauthenticated", nil)
}

func run(t *testing.T, f *cmdutil.Factory, stdin string, args ...string) error {
	t.Helper()
	f.IOStreams.In = strings.NewReader(stdin)
	cmd := NewCmdAuth(f)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

func TestLoginWithTokenKeepsACheckedToken(t *testing.T) {
	f, _, store, outputs := setup(t)
	cfg, _ := f.Config()
	cfg.SetProfile("", &config.Profile{Token: "ents_legacy_token_in_config_0123456789"})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	if err := run(t, f, token+"\n", "login", "--server", server+"/", "--with-token"); err != nil {
		t.Fatal(err)
	}
	found, err := store.Get("default", server)
	if err != nil || found.Token != token || found.Source != config.TokenFile {
		t.Fatalf("stored: %+v, %v", found, err)
	}
	b, _ := os.ReadFile(cfg.Path())
	if strings.Contains(string(b), "ents_legacy") || !strings.Contains(string(b), "server: "+server+"\n") {
		t.Errorf("config.yaml after login:\n%s", b)
	}
	out, errOut := outputs()
	for _, want := range []string{"Pas de trousseau utilisable (no keyring here)", store.Path, "L'ancien jeton", "Compte : Administrateur", "Rôle : administrateur"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, token) {
		t.Errorf("the token was printed:\n%s%s", out, errOut)
	}
}

func TestARefusedTokenIsNotKept(t *testing.T) {
	f, _, store, outputs := setup(t)
	bad := "ents_zz99zz99zz99zz99zz99zz99zz99zz99zz99"
	err := run(t, f, bad+"\n", "login", "--server", server, "--with-token")
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.EUNAUTHENTICATED || se.Key != "cli.auth.refused" {
		t.Fatalf("err = %#v", err)
	}
	if se.Params["token"] != "ents_zz99…" || strings.Contains(se.Error(), bad) {
		t.Errorf("the error shows too much of the token: %v %v", se.Params, se.Error())
	}
	if _, err := os.Stat(store.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused token was stored: %v", err)
	}
	cfg, _ := f.Config()
	if _, err := os.Stat(cfg.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused login changed config.yaml: %v", err)
	}
	if out, errOut := outputs(); strings.Contains(out+errOut, bad) {
		t.Errorf("the token was printed")
	}
}

func TestLoginNeedsATerminalOrWithToken(t *testing.T) {
	f, _, _, _ := setup(t)
	err := run(t, f, token, "login", "--server", server)
	var ue *cmdutil.UsageError
	if !errors.As(err, &ue) || ue.Key != "cli.auth.no_tty" {
		t.Errorf("err = %v", err)
	}
	err = run(t, f, token, "login", "--with-token")
	if !errors.As(err, &ue) || ue.Key != "cli.auth.no_server" {
		t.Errorf("no server: err = %v", err)
	}
	err = run(t, f, "\n", "login", "--server", server, "--with-token")
	var se *support.Error
	if !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Field != "token" || se.Fields[0].Rule != support.RuleRequired {
		t.Errorf("empty token: err = %v", err)
	}
	err = run(t, f, token, "login", "--server", "ftp://example.org", "--with-token")
	if !errors.As(err, &se) || se.Fields[0].Field != "server" {
		t.Errorf("bad server: err = %v", err)
	}
}

func TestLoginOnATerminalAsksServerThenToken(t *testing.T) {
	f, _, store, _ := setup(t)
	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStderrTTY(true)
	p := &cmdtest.Prompter{Lines: []string{server, token}}
	f.Prompter = func() prompter.Prompter { return p }
	if err := run(t, f, "", "login"); err != nil {
		t.Fatal(err)
	}
	want := []string{"Adresse du serveur d'assistance", "Jeton pour " + server + " (il ne s'affiche pas) :"}
	if diff := cmp.Diff(want, p.Asked); diff != "" {
		t.Errorf("questions (-want +got):\n%s", diff)
	}
	if found, _ := store.Get("default", server); found.Token != token {
		t.Errorf("stored %+v", found)
	}
	cfg, _ := f.Config()
	if got := cfg.Profile("").Server; got != server {
		t.Errorf("the typed server was not saved: %q", got)
	}
}

func TestStatus(t *testing.T) {
	f, _, _, outputs := setup(t)
	if err := run(t, f, "", "status"); err != nil {
		t.Fatal(err)
	}
	if out, _ := outputs(); !strings.Contains(out, "serveur de référence intégré") {
		t.Errorf("embedded: %q", out)
	}
	cfg, _ := f.Config()
	cfg.SetProfile("", &config.Profile{Server: server})
	cfg.Save()
	err := run(t, f, "", "status")
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.EUNAUTHENTICATED || se.Key != "cli.auth.status.none" {
		t.Fatalf("not logged in: %v", err)
	}
	if err := run(t, f, token, "login", "--with-token"); err != nil {
		t.Fatal(err)
	}
	if err := run(t, f, "", "status"); err != nil {
		t.Fatal(err)
	}
	out, _ := outputs()
	for _, want := range []string{"Serveur : " + server + " (profil default)", "Compte : Administrateur", "Jeton : ents_ab12…, du fichier "} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

func TestLogoutIsIdempotent(t *testing.T) {
	f, _, store, outputs := setup(t)
	cfg, _ := f.Config()
	cfg.SetProfile("", &config.Profile{Server: server, Token: "ents_legacy_token_in_config_0123456789"})
	cfg.Save()
	store.Save("default", server, token)
	if err := run(t, f, "", "logout"); err != nil {
		t.Fatal(err)
	}
	if err := run(t, f, "", "logout"); err != nil {
		t.Fatal(err)
	}
	_, errOut := outputs()
	for _, want := range []string{"Jeton retiré du fichier " + store.Path, "Jeton retiré de l'ancienne clé token de", "Aucun jeton enregistré pour le profil default"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("logout lacks %q:\n%s", want, errOut)
		}
	}
	if found, _ := store.Get("default", server); found.Token != "" {
		t.Errorf("still stored: %+v", found)
	}
	cfg, _ = config.Load(strings.TrimSuffix(cfg.Path(), config.FileName))
	if cfg.Profile("").Token != "" {
		t.Errorf("the legacy token is still in config.yaml")
	}
}
