// Package credentials keeps each profile's token out of config.yaml: in
// the OS keyring (Windows Credential Manager, macOS Keychain, the Secret
// Service on Linux) and, where there is none (a headless Linux box has no
// D-Bus session), in a 0600 file of the config directory.
//
// Every keyring call is bounded by a timeout: a keyring daemon that hangs
// (a locked collection waiting for a prompt nobody sees) must not hang the
// command. A call that times out counts as "no keyring".
package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ent-support/ent-support/internal/config"
)

// Service is the keyring's service name of every token of ent-support.
const Service = "ent-support"

// FileName is the fallback file, in the config directory.
const FileName = "credentials.json"

// DefaultTimeout bounds one keyring call.
const DefaultTimeout = 3 * time.Second

// ErrTimeout is returned when the keyring did not answer in time.
var ErrTimeout = errors.New("the keyring did not answer in time")

// Keyring is the part of go-keyring used here; tests pass fakes.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// System is the OS keyring (go-keyring's package functions, which
// keyring.MockInit replaces in tests).
type System struct{}

func (System) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (System) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }
func (System) Delete(service, user string) error        { return keyring.Delete(service, user) }

var _ Keyring = System{}

// Store finds, saves and removes tokens.
type Store struct {
	Keyring Keyring
	// Path is the fallback file.
	Path string
	// Timeout bounds each keyring call; 0 means DefaultTimeout.
	Timeout time.Duration
}

// New returns the store of the real binary: the OS keyring, and
// configDir/credentials.json when it is missing.
func New(configDir string) *Store {
	return &Store{Keyring: System{}, Path: filepath.Join(configDir, FileName), Timeout: DefaultTimeout}
}

// Account is the keyring's user name of a profile's token on a server:
// a token belongs to one server, so changing a profile's server never
// sends the old server's token to the new one.
func Account(profile, server string) string {
	if profile == "" {
		profile = config.DefaultProfile
	}
	return profile + "@" + strings.TrimRight(strings.TrimSpace(server), "/")
}

// bounded runs one keyring call with the store's timeout. On timeout the
// call is left behind (its goroutine ends whenever the daemon answers).
func (s *Store) bounded(call func() error) error {
	d := s.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return ErrTimeout
	}
}

// Found is what Get found.
type Found struct {
	Token  string
	Source config.TokenSource // TokenKeyring, TokenFile, or TokenNone
	// KeyringErr is why the keyring could not be read (unavailable, timed
	// out); nil when it answered, even "not found".
	KeyringErr error
}

// Get looks for the token of profile on server: the keyring, then the file.
func (s *Store) Get(profile, server string) (Found, error) {
	acct := Account(profile, server)
	var tok string
	err := s.bounded(func() (err error) {
		tok, err = s.Keyring.Get(Service, acct)
		return err
	})
	switch {
	case err == nil && tok != "":
		return Found{Token: tok, Source: config.TokenKeyring}, nil
	case err == nil || errors.Is(err, keyring.ErrNotFound):
		err = nil
	}
	f := Found{KeyringErr: err}
	tokens, ferr := s.read()
	if ferr != nil {
		return f, ferr
	}
	if t := tokens[acct]; t != "" {
		f.Token, f.Source = t, config.TokenFile
	}
	return f, nil
}

// Saved says where Save put a token.
type Saved struct {
	Source config.TokenSource // TokenKeyring or TokenFile
	// KeyringErr is why the keyring was not used (Source is TokenFile).
	KeyringErr error
}

// Save keeps token for profile on server: in the keyring when it answers
// (and then out of the file), else in the file.
func (s *Store) Save(profile, server, token string) (Saved, error) {
	acct := Account(profile, server)
	kerr := s.bounded(func() error { return s.Keyring.Set(Service, acct, token) })
	if kerr == nil {
		_, err := s.removeFromFile(acct)
		return Saved{Source: config.TokenKeyring}, err
	}
	saved := Saved{Source: config.TokenFile, KeyringErr: kerr}
	tokens, err := s.read()
	if err != nil {
		return saved, err
	}
	tokens[acct] = token
	return saved, s.write(tokens)
}

// Delete removes the token of profile on server from the keyring and the
// file, and says where one was. Removing what is not there is no error.
func (s *Store) Delete(profile, server string) ([]config.TokenSource, error) {
	acct := Account(profile, server)
	var removed []config.TokenSource
	kerr := s.bounded(func() error { return s.Keyring.Delete(Service, acct) })
	if kerr == nil {
		removed = append(removed, config.TokenKeyring)
	}
	ok, err := s.removeFromFile(acct)
	if ok {
		removed = append(removed, config.TokenFile)
	}
	return removed, err
}

// fileData is the fallback file: tokens by account.
type fileData struct {
	Tokens map[string]string `json:"tokens"`
}

func (s *Store) read() (map[string]string, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, err
	}
	var d fileData
	if err := json.Unmarshal(b, &d); err != nil {
		// Never quote the content: it holds tokens.
		return nil, fmt.Errorf("%s: not a credentials file", s.Path)
	}
	if d.Tokens == nil {
		d.Tokens = map[string]string{}
	}
	return d.Tokens, nil
}

// write replaces the file atomically, 0600; with no token left it is removed.
func (s *Store) write(tokens map[string]string) error {
	if len(tokens) == 0 {
		if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.MarshalIndent(fileData{Tokens: tokens}, "", "  ")
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(s.Path, append(b, '\n'), 0o600)
}

func (s *Store) removeFromFile(acct string) (bool, error) {
	tokens, err := s.read()
	if err != nil {
		return false, err
	}
	if _, ok := tokens[acct]; !ok {
		return false, nil
	}
	delete(tokens, acct)
	return true, s.write(tokens)
}

// Mask shows enough of a token to recognise it, never enough to use it:
// "ents_ab12…".
func Mask(token string) string {
	const shown = 9
	if len(token) <= shown+8 {
		return "****"
	}
	return token[:shown] + "…"
}
