package credentials

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ent-support/ent-support/internal/config"
)

const (
	server = "https://assistance.example.org"
	token  = "ents_ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
)

func newStore(t *testing.T, k Keyring) *Store {
	t.Helper()
	return &Store{Keyring: k, Path: filepath.Join(t.TempDir(), "config", FileName), Timeout: 200 * time.Millisecond}
}

func mustGet(t *testing.T, s *Store, profile, srv string) Found {
	t.Helper()
	f, err := s.Get(profile, srv)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return f
}

func checkMode600(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
}

func TestWithAKeyringTheTokenGoesThereAndNotInTheFile(t *testing.T) {
	keyring.MockInit()
	s := newStore(t, System{})
	saved, err := s.Save("default", server+"/", token)
	if err != nil || saved.Source != config.TokenKeyring || saved.KeyringErr != nil {
		t.Fatalf("Save: %+v, %v", saved, err)
	}
	if got, err := keyring.Get(Service, "default@"+server); err != nil || got != token {
		t.Fatalf("the keyring holds %q, %v", got, err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a keyring save wrote the file: %v", err)
	}
	if f := mustGet(t, s, "default", server); f.Token != token || f.Source != config.TokenKeyring {
		t.Errorf("Get: %+v", f)
	}
	// A token belongs to one server and one profile.
	if f := mustGet(t, s, "default", "https://autre.example.org"); f.Token != "" {
		t.Errorf("another server got the token: %+v", f)
	}
	if f := mustGet(t, s, "loire", server); f.Token != "" {
		t.Errorf("another profile got the token: %+v", f)
	}
	removed, err := s.Delete("default", server)
	if err != nil || len(removed) != 1 || removed[0] != config.TokenKeyring {
		t.Fatalf("Delete: %v, %v", removed, err)
	}
	if f := mustGet(t, s, "default", server); f.Token != "" {
		t.Errorf("still there after Delete: %+v", f)
	}
	// Idempotent.
	if removed, err := s.Delete("default", server); err != nil || len(removed) != 0 {
		t.Errorf("second Delete: %v, %v", removed, err)
	}
}

func TestWithoutAKeyringTheTokenGoesToA0600File(t *testing.T) {
	keyring.MockInitWithError(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	s := newStore(t, System{})
	saved, err := s.Save("default", server, token)
	if err != nil || saved.Source != config.TokenFile || saved.KeyringErr == nil {
		t.Fatalf("Save: %+v, %v", saved, err)
	}
	checkMode600(t, s.Path)
	if fi, err := os.Stat(filepath.Dir(s.Path)); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700) {
		t.Errorf("the config directory: %v, %v (want 0700)", fi.Mode().Perm(), err)
	}
	b, err := os.ReadFile(s.Path)
	if err != nil || !strings.Contains(string(b), `"default@`+server+`": "`+token+`"`) {
		t.Errorf("the file holds %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(s.Path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestTheFallbackFile(t *testing.T) {
	keyring.MockInitWithError(errors.New("no keyring"))
	s := newStore(t, System{})
	if _, err := s.Save("default", server, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save("loire", server, token+"2"); err != nil {
		t.Fatal(err)
	}
	checkMode600(t, s.Path)
	f := mustGet(t, s, "default", server)
	if f.Token != token || f.Source != config.TokenFile || f.KeyringErr == nil {
		t.Errorf("Get: %+v", f)
	}
	if f := mustGet(t, s, "loire", server); f.Token != token+"2" {
		t.Errorf("loire: %+v", f)
	}
	removed, err := s.Delete("default", server)
	if err != nil || len(removed) != 1 || removed[0] != config.TokenFile {
		t.Fatalf("Delete: %v, %v", removed, err)
	}
	if f := mustGet(t, s, "loire", server); f.Token != token+"2" {
		t.Errorf("Delete took the other profile's token: %+v", f)
	}
	if _, err := s.Delete("loire", server); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an empty credentials file is left behind: %v", err)
	}
	if removed, err := s.Delete("loire", server); err != nil || len(removed) != 0 {
		t.Errorf("Delete of nothing: %v, %v", removed, err)
	}
}

func TestAKeyringSaveClearsTheFileCopy(t *testing.T) {
	keyring.MockInitWithError(errors.New("no keyring"))
	s := newStore(t, System{})
	if _, err := s.Save("default", server, "ents_old_token_in_the_file_0123456789"); err != nil {
		t.Fatal(err)
	}
	keyring.MockInit() // the keyring is back (a desktop session)
	if saved, err := s.Save("default", server, token); err != nil || saved.Source != config.TokenKeyring {
		t.Fatalf("Save: %+v, %v", saved, err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old token stays in the file: %v", err)
	}
}

func TestACorruptFileIsNamedNotQuoted(t *testing.T) {
	s := newStore(t, &hungKeyring{})
	s.Timeout = 10 * time.Millisecond
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path, []byte("tokens: "+token), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get("default", server)
	if err == nil || !strings.Contains(err.Error(), s.Path) || strings.Contains(err.Error(), token) {
		t.Errorf("Get on a corrupt file: %v", err)
	}
}

// hungKeyring never answers, like a Secret Service daemon waiting on an
// unlock prompt that nobody sees.
type hungKeyring struct{ release chan struct{} }

func (k *hungKeyring) wait() error { <-k.release; return errors.New("too late") }
func (k *hungKeyring) Get(service, user string) (string, error) {
	return "", k.wait()
}
func (k *hungKeyring) Set(service, user, secret string) error { return k.wait() }
func (k *hungKeyring) Delete(service, user string) error      { return k.wait() }

func TestAHungKeyringCostsOnlyTheTimeout(t *testing.T) {
	hung := &hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	s := newStore(t, hung)
	s.Timeout = 100 * time.Millisecond

	start := time.Now()
	saved, err := s.Save("default", server, token)
	if err != nil || saved.Source != config.TokenFile || !errors.Is(saved.KeyringErr, ErrTimeout) {
		t.Fatalf("Save: %+v, %v", saved, err)
	}
	f, err := s.Get("default", server)
	if err != nil || f.Token != token || f.Source != config.TokenFile || !errors.Is(f.KeyringErr, ErrTimeout) {
		t.Fatalf("Get: %+v, %v", f, err)
	}
	removed, err := s.Delete("default", server)
	if err != nil || len(removed) != 1 || removed[0] != config.TokenFile {
		t.Fatalf("Delete: %v, %v", removed, err)
	}
	// Three calls, each bounded: well under the seconds a hung daemon takes.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("three calls on a hung keyring took %v", d)
	}
}

func TestTheDefaultTimeoutApplies(t *testing.T) {
	hung := &hungKeyring{release: make(chan struct{})}
	defer close(hung.release)
	s := &Store{Keyring: hung, Path: filepath.Join(t.TempDir(), FileName)}
	start := time.Now()
	f, err := s.Get("default", server)
	if err != nil || !errors.Is(f.KeyringErr, ErrTimeout) {
		t.Fatalf("Get: %+v, %v", f, err)
	}
	if d := time.Since(start); d < DefaultTimeout || d > DefaultTimeout+2*time.Second {
		t.Errorf("Get on a hung keyring returned after %v, want about %v", d, DefaultTimeout)
	}
}

func TestMask(t *testing.T) {
	if got := Mask(token); got != "ents_ab12…" {
		t.Errorf("Mask = %q", got)
	}
	for _, short := range []string{"", "abc", "ents_0123456789"} {
		if got := Mask(short); got != "****" {
			t.Errorf("Mask(%q) = %q: a short value shows too much of itself", short, got)
		}
	}
}
