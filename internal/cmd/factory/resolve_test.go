package factory

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/credentials"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

const testServer = "https://assistance.example.org"

// testFactory is the real factory over a config directory of its own and
// the environment env.
func testFactory(t *testing.T, env map[string]string) (*cmdutil.Factory, string) {
	t.Helper()
	dir := t.TempDir()
	f := New()
	ios, _, _, _ := iostreams.Test()
	f.IOStreams = ios
	f.Lang = locale.FR
	f.Getenv = func(k string) string {
		if k == config.EnvConfigDir {
			return dir
		}
		return env[k]
	}
	return f, dir
}

// TestTokenPrecedence: environment > keyring > file > config.yaml, each
// tried only when the ones before have nothing.
func TestTokenPrecedence(t *testing.T) {
	type setup struct {
		env, keyring, file, config string
	}
	tests := []struct {
		name string
		setup
		want   string
		source config.TokenSource
	}{
		{"nothing", setup{}, "", config.TokenNone},
		{"config only", setup{config: "c"}, "c", config.TokenConfig},
		{"file beats config", setup{file: "f", config: "c"}, "f", config.TokenFile},
		{"keyring beats file", setup{keyring: "k", file: "f", config: "c"}, "k", config.TokenKeyring},
		{"environment beats all", setup{env: "e", keyring: "k", file: "f", config: "c"}, "e", config.TokenEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, dir := testFactory(t, map[string]string{config.EnvToken: tt.env})
			cfg, err := config.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			cfg.SetProfile("", &config.Profile{Server: testServer, Token: tt.config})
			if err := cfg.Save(); err != nil {
				t.Fatal(err)
			}
			store := credentials.New(dir)
			if tt.file != "" {
				keyring.MockInitWithError(errors.New("no keyring"))
				if _, err := store.Save("default", testServer, tt.file); err != nil {
					t.Fatal(err)
				}
			}
			keyring.MockInit()
			if tt.keyring != "" {
				if err := keyring.Set(credentials.Service, credentials.Account("default", testServer), tt.keyring); err != nil {
					t.Fatal(err)
				}
			}
			r, err := f.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if r.Token != tt.want || r.TokenSource != tt.source || r.Server != testServer {
				t.Errorf("Resolve = %q from %q on %q; want %q from %q", r.Token, r.TokenSource, r.Server, tt.want, tt.source)
			}
		})
	}
}

// TestTheEmbeddedModeLooksUpNoToken: without a server, no keyring call is
// made (a hung keyring would otherwise slow every local command).
func TestTheEmbeddedModeLooksUpNoToken(t *testing.T) {
	f, _ := testFactory(t, nil)
	f.Credentials = func() (*credentials.Store, error) {
		t.Error("the credentials store was consulted with no server")
		return nil, errors.New("unexpected")
	}
	r, err := f.Resolve()
	if err != nil || r.Server != "" || r.Token != "" {
		t.Errorf("Resolve = %+v, %v", r, err)
	}
}

type hungKeyring struct{ release chan struct{} }

func (k hungKeyring) Get(string, string) (string, error) { <-k.release; return "", nil }
func (k hungKeyring) Set(string, string, string) error   { <-k.release; return nil }
func (k hungKeyring) Delete(string, string) error        { <-k.release; return nil }

// TestAHungKeyringIsSkippedAndSaid: the command goes on with the file and
// says on stderr why it was slow.
func TestAHungKeyringIsSkippedAndSaid(t *testing.T) {
	f, dir := testFactory(t, map[string]string{config.EnvServer: testServer})
	hung := hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	keyring.MockInitWithError(errors.New("no keyring"))
	if _, err := credentials.New(dir).Save("default", testServer, "ents_from_the_file_0123456789"); err != nil {
		t.Fatal(err)
	}
	ios, _, _, errOut := iostreams.Test()
	f.IOStreams = ios
	f.Credentials = func() (*credentials.Store, error) {
		s := credentials.New(dir)
		s.Keyring, s.Timeout = hung, time.Second
		return s, nil
	}
	start := time.Now()
	r, err := f.Resolve()
	if err != nil || r.Token != "ents_from_the_file_0123456789" || r.TokenSource != config.TokenFile {
		t.Fatalf("Resolve = %+v, %v", r, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Resolve took %v with a 1 s keyring timeout", d)
	}
	if !strings.Contains(errOut.String(), "n'a pas répondu en 1 s") {
		t.Errorf("stderr: %q", errOut.String())
	}
}
