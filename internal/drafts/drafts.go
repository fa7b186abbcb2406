// Package drafts keeps the tickets people have started but not filed: an
// interrupted form, a "no" at the summary, a ticket the server refused.
// Each draft is one JSON file in the user's state directory, so that what
// was typed survives the process, and `new --resume` starts from it.
package drafts

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/support"
)

// Draft is a ticket as far as it was typed.
type Draft struct {
	// ID is sortable by creation time ("20261128-193216-a1b2"), short
	// enough to type after `new --resume`.
	ID    string              `json:"id"`
	Input support.TicketInput `json:"input"`
	// Attachments are the paths of the files chosen so far.
	Attachments []string `json:"attachments,omitempty"`
	// IdempotencyKey is made when the ticket is first validated; a resumed
	// draft is sent with it, so it can never be filed twice.
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Profile and Server are where the draft is meant to go (config.Place),
	// set at every Save; drafts saved before they remembered it have
	// neither (see config.Place.Holds).
	Profile string `json:"profile,omitempty"`
	Server  string `json:"server,omitempty"`
	// Problems are the field errors of the server that refused the ticket
	// when it was sent from the outbox: `new --resume` shows them and
	// starts the form on those fields.
	Problems []support.FieldError `json:"problems,omitempty"`
}

// Store is the drafts folder of a state directory, seen from one place (a
// profile and its server) or, unplaced, whole.
type Store struct {
	dir   string
	now   func() time.Time
	place *config.Place
}

// For returns the drafts seen from p: Save keeps drafts for p; List,
// Latest, Get and Remove see only p's drafts; Others counts the rest.
func (s *Store) For(p config.Place) *Store {
	c := *s
	c.place = &p
	return &c
}

func (s *Store) holds(d *Draft) bool {
	return s.place == nil || s.place.Holds(config.Place{Profile: d.Profile, Server: d.Server})
}

// Open returns the drafts kept under stateDir; nothing is created until
// the first Save. now may be nil (time.Now).
func Open(stateDir string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{dir: filepath.Join(stateDir, "drafts"), now: now}
}

// Dir is the folder the drafts live in.
func (s *Store) Dir() string { return s.dir }

// ValidID keeps IDs to what NewID makes (a digit or lower-case letter,
// then up to 63 of those or '-'): an ID typed on the command line must
// never name a file outside the folder. The outbox's IDs follow the same
// rule. Checked by hand rather than by a regular expression, which every
// command would compile at start-up.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// NewID returns a new identifier that sorts by creation time.
func NewID(t time.Time) string {
	var b [2]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Save writes d atomically (mode 0600, folder 0700), giving it an ID and a
// creation time the first time.
func (s *Store) Save(d *Draft) error {
	now := s.now()
	if d.ID == "" {
		d.ID = NewID(now)
	}
	if !ValidID(d.ID) {
		return fmt.Errorf("drafts: invalid ID %q", d.ID)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	d.UpdatedAt = now
	if s.place != nil {
		d.Profile, d.Server = s.place.Profile, s.place.Server
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	return config.WriteFileAtomic(s.path(d.ID), append(b, '\n'), 0o600)
}

func (s *Store) path(id string) string { return filepath.Join(s.dir, id+".json") }

// FilesDir is where the draft id keeps its own copies of files (those of
// an outbox entry that became a draft); Remove deletes it with the draft.
func (s *Store) FilesDir(id string) string { return filepath.Join(s.dir, id+".files") }

// Get returns the draft id; ENOTFOUND when there is none, or when it
// belongs to another profile or server (the message names its profile).
func (s *Store) Get(id string) (*Draft, error) {
	d, err := s.get(id)
	if err != nil {
		return nil, err
	}
	if !s.holds(d) {
		return nil, support.Errorf(support.ENOTFOUND, "keep.draft.other_place",
			map[string]string{"id": d.ID, "profile": cmp.Or(d.Profile, config.DefaultProfile)})
	}
	return d, nil
}

// get reads the draft id, whatever its place.
func (s *Store) get(id string) (*Draft, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if !ValidID(id) {
		return nil, notFound(id)
	}
	b, err := os.ReadFile(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, err
	}
	var d Draft
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path(id), err)
	}
	d.ID = id
	return &d, nil
}

func notFound(id string) error {
	return support.Errorf(support.ENOTFOUND, "keep.draft.not_found", map[string]string{"id": id})
}

// List returns the drafts of the store's place, oldest first.
func (s *Store) List() ([]Draft, error) {
	all, err := s.all()
	if err != nil {
		return nil, err
	}
	ds := all[:0]
	for _, d := range all {
		if s.holds(&d) {
			ds = append(ds, d)
		}
	}
	return ds, nil
}

// Others counts the drafts kept for another profile or server.
func (s *Store) Others() (int, error) {
	all, err := s.all()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range all {
		if !s.holds(&d) {
			n++
		}
	}
	return n, nil
}

// all returns every draft, oldest first. A file that cannot be read is
// skipped: one damaged draft must not hide the others.
func (s *Store) all() ([]Draft, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var ds []Draft
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		d, err := s.get(strings.TrimSuffix(name, ".json"))
		if err != nil {
			continue
		}
		ds = append(ds, *d)
	}
	sort.Slice(ds, func(i, j int) bool {
		if !ds[i].CreatedAt.Equal(ds[j].CreatedAt) {
			return ds[i].CreatedAt.Before(ds[j].CreatedAt)
		}
		return ds[i].ID < ds[j].ID
	})
	return ds, nil
}

// Latest returns the draft worked on last; ENOTFOUND when there is none.
func (s *Store) Latest() (*Draft, error) {
	ds, err := s.List()
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, support.Errorf(support.ENOTFOUND, "keep.draft.none", nil)
	}
	latest := ds[0]
	for _, d := range ds[1:] {
		if !d.UpdatedAt.Before(latest.UpdatedAt) {
			latest = d
		}
	}
	return &latest, nil
}

// Remove deletes the draft id; ENOTFOUND when there is none.
func (s *Store) Remove(id string) error {
	d, err := s.Get(id)
	if err != nil {
		return err
	}
	err = os.Remove(s.path(d.ID))
	if err == nil {
		os.RemoveAll(s.FilesDir(d.ID))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(id)
	}
	return err
}
