// Package outbox keeps the complete, validated tickets the server could not
// take (unreachable, or still failing after the client's retries) until it
// confirms their number. Each entry is a folder in the user's state
// directory: entry.json (the ticket, its Idempotency-Key) and a copy of
// every attachment, so that a screenshot moved or edited since is not lost.
// Sending again uses the entry's own key: a replay never files twice.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/support"
)

// Entry is one ticket waiting to be sent.
type Entry struct {
	ID             string              `json:"id"`
	Input          support.TicketInput `json:"input"`
	Attachments    []File              `json:"attachments,omitempty"`
	IdempotencyKey string              `json:"idempotency_key"`
	CreatedAt      time.Time           `json:"created_at"`
	// Profile and Server are where it is meant to go (config.Place): it is
	// sent only from that profile to that server. Entries kept before
	// they remembered it have neither (see config.Place.Holds).
	Profile string `json:"profile,omitempty"`
	Server  string `json:"server,omitempty"`
	// Announced is the error code the person was last told the entry
	// waits for: other commands say why an entry waits once, not on
	// every run.
	Announced string `json:"announced,omitempty"`

	dir string
}

// File is an attachment copied into the entry's folder.
type File struct {
	Name string `json:"name"` // the name the server receives (already sanitised)
	Size int64  `json:"size"`
	// Path is the copy, relative to the entry's folder.
	Path string `json:"path"`
	// Source is where the file was taken from, for people.
	Source string `json:"source,omitempty"`
}

// Outbox is the outbox folder of a state directory, seen from one place
// (a profile and its server) or, unplaced, whole.
type Outbox struct {
	dir    string
	now    func() time.Time
	place  *config.Place
	drafts *drafts.Store
}

// RedraftTo makes Send turn an entry the server refuses for its content
// into a draft of s, carrying the server's field errors: such an entry
// would be refused forever, and only a person can fix it.
func (o *Outbox) RedraftTo(s *drafts.Store) *Outbox {
	c := *o
	c.drafts = s
	return &c
}

// For returns the outbox seen from p: Add keeps entries for p, List, Send
// and Empty see only p's entries, Others counts the rest.
func (o *Outbox) For(p config.Place) *Outbox {
	c := *o
	c.place = &p
	return &c
}

func (o *Outbox) holds(e *Entry) bool {
	return o.place == nil || o.place.Holds(config.Place{Profile: e.Profile, Server: e.Server})
}

// Open returns the outbox kept under stateDir; nothing is created until
// the first Add. now may be nil (time.Now).
func Open(stateDir string, now func() time.Time) *Outbox {
	if now == nil {
		now = time.Now
	}
	return &Outbox{dir: filepath.Join(stateDir, "outbox"), now: now}
}

// Dir is the folder the entries live in.
func (o *Outbox) Dir() string { return o.dir }

func newID(t time.Time) string {
	var b [2]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Add keeps a ticket: the attachments are copied first, the description
// last, all in a hidden folder renamed into place at the end, so that a
// crash leaves either a whole entry or none. Files are 0600, folders 0700.
func (o *Outbox) Add(in support.TicketInput, key string, ups []support.Upload, sources []string) (*Entry, error) {
	if key == "" {
		return nil, errors.New("outbox: an entry needs its Idempotency-Key")
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return nil, err
	}
	now := o.now()
	e := &Entry{ID: newID(now), Input: in, IdempotencyKey: key, CreatedAt: now}
	if o.place != nil {
		e.Profile, e.Server = o.place.Profile, o.place.Server
	}
	tmp, err := os.MkdirTemp(o.dir, ".new-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := os.Chmod(tmp, 0o700); err != nil {
		return nil, err
	}
	for i, u := range ups {
		f := File{Name: u.Name, Path: filepath.Join("files", strconv.Itoa(i+1))}
		if i < len(sources) {
			f.Source = sources[i]
		}
		n, err := copyUpload(u, filepath.Join(tmp, f.Path))
		if err != nil {
			return nil, fmt.Errorf("outbox: copying %s: %w", u.Name, err)
		}
		f.Size = n
		e.Attachments = append(e.Attachments, f)
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(tmp, "entry.json"), bytesReader(b)); err != nil {
		return nil, err
	}
	e.dir = filepath.Join(o.dir, e.ID)
	if err := os.Rename(tmp, e.dir); err != nil {
		return nil, err
	}
	syncDir(o.dir)
	return e, nil
}

func copyUpload(u support.Upload, dst string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, err
	}
	r, err := u.Open()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var n int64
	err = writeSynced(dst, countingReader{r, &n})
	return n, err
}

func writeSynced(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable where the OS allows it (not Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

func bytesReader(b []byte) io.Reader { return strings.NewReader(string(b)) }

// List returns the entries of the outbox's place, oldest first.
func (o *Outbox) List() ([]*Entry, error) {
	all, err := o.all()
	if err != nil {
		return nil, err
	}
	es := all[:0]
	for _, e := range all {
		if o.holds(e) {
			es = append(es, e)
		}
	}
	return es, nil
}

// Others counts the entries that wait for another profile or server.
func (o *Outbox) Others() (int, error) {
	all, err := o.all()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range all {
		if !o.holds(e) {
			n++
		}
	}
	return n, nil
}

// all returns every entry, oldest first. A folder without a readable
// entry.json (a crash in the middle of Add leaves only hidden folders) is
// skipped.
func (o *Outbox) all() ([]*Entry, error) {
	des, err := os.ReadDir(o.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var es []*Entry
	for _, de := range des {
		if !de.IsDir() || !drafts.ValidID(de.Name()) {
			continue
		}
		dir := filepath.Join(o.dir, de.Name())
		b, err := os.ReadFile(filepath.Join(dir, "entry.json"))
		if err != nil {
			continue
		}
		var e Entry
		if json.Unmarshal(b, &e) != nil || e.IdempotencyKey == "" {
			continue
		}
		e.ID, e.dir = de.Name(), dir
		es = append(es, &e)
	}
	sort.Slice(es, func(i, j int) bool {
		if !es[i].CreatedAt.Equal(es[j].CreatedAt) {
			return es[i].CreatedAt.Before(es[j].CreatedAt)
		}
		return es[i].ID < es[j].ID
	})
	return es, nil
}

// Empty says whether nothing waits for the outbox's place: one
// directory read when the outbox is empty, the entries read otherwise.
func (o *Outbox) Empty() bool {
	des, err := os.ReadDir(o.dir)
	if err != nil {
		return true
	}
	for _, de := range des {
		if de.IsDir() && drafts.ValidID(de.Name()) {
			if o.place == nil {
				return false
			}
			es, err := o.List()
			return err != nil || len(es) == 0
		}
	}
	return true
}

// Get returns the entry id of the outbox's place; ENOTFOUND when there is
// none.
func (o *Outbox) Get(id string) (*Entry, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	es, err := o.List()
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, support.Errorf(support.ENOTFOUND, "keep.outbox.not_found", map[string]string{"id": id})
}

// Announce records that the person was told e waits for code.
func (o *Outbox) Announce(e *Entry, code string) error {
	e.Announced = code
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return config.WriteFileAtomic(filepath.Join(e.dir, "entry.json"), b, 0o600)
}

// Refused says whether err is the server refusing a ticket for its
// content (fields that break a rule): sending it again as it is would be
// refused again. An unreachable or busy server, a refused token, a
// server error are not: the same ticket may go later.
func Refused(err error) bool {
	se := support.AsError(err)
	if se == nil || len(se.Fields) == 0 {
		return false
	}
	return se.Code == support.EINVALID || se.Code == support.ETOOLARGE
}

// redraft turns e into a draft with the same ID, carrying the server's
// field errors and the copies of its files (moved beside the draft, under
// their own names), then removes e. The draft has no Idempotency-Key: the
// server filed nothing, and the corrected ticket is another request.
func (o *Outbox) redraft(e *Entry, problems []support.FieldError) (*drafts.Draft, error) {
	d := &drafts.Draft{ID: e.ID, Input: e.Input, Problems: problems, CreatedAt: e.CreatedAt}
	// On failure the files go back: the entry stays whole.
	var moved [][2]string
	undo := func(err error) (*drafts.Draft, error) {
		for _, m := range moved {
			os.Rename(m[1], m[0])
		}
		os.RemoveAll(o.drafts.FilesDir(e.ID))
		return nil, err
	}
	for i, f := range e.Attachments {
		src := filepath.Join(e.dir, filepath.FromSlash(f.Path))
		dst := filepath.Join(o.drafts.FilesDir(e.ID), strconv.Itoa(i+1), f.Name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return undo(err)
		}
		if err := os.Rename(src, dst); err != nil {
			return undo(err)
		}
		moved = append(moved, [2]string{src, dst})
		d.Attachments = append(d.Attachments, dst)
	}
	if err := o.drafts.Save(d); err != nil {
		return undo(err)
	}
	return d, o.Remove(e)
}

// Remove deletes an entry and its files: once the server has confirmed
// the ticket's number, or when the person gives it up (outbox rm).
func (o *Outbox) Remove(e *Entry) error {
	if !drafts.ValidID(e.ID) {
		return fmt.Errorf("outbox: invalid ID %q", e.ID)
	}
	// Renamed away first: a crash while deleting files never leaves an
	// entry that looks whole but lost an attachment.
	gone := filepath.Join(o.dir, ".sent-"+e.ID)
	if err := os.Rename(filepath.Join(o.dir, e.ID), gone); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // another process sent it at the same time
		}
		return err
	}
	return os.RemoveAll(gone)
}

// Uploads returns the entry's copied files, ready to send.
func (e *Entry) Uploads() []support.Upload {
	ups := make([]support.Upload, 0, len(e.Attachments))
	for _, f := range e.Attachments {
		path := filepath.Join(e.dir, filepath.FromSlash(f.Path))
		ups = append(ups, support.Upload{Name: f.Name, Size: f.Size,
			Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	return ups
}

// Result is what became of one entry in Send.
type Result struct {
	Entry  *Entry
	Ticket *support.Ticket // set when the server confirmed it
	Err    error
	// Draft is set when the server refused the entry for its content and
	// it became this draft (see RedraftTo); it left the outbox.
	Draft *drafts.Draft
	// DraftErr is why a refused entry could not become a draft (it stays).
	DraftErr error
}

// Send sends every entry of the outbox's place, oldest first, each with its own
// Idempotency-Key, and removes it once the server answered with its
// number. It stops at the first error that would fail every other entry
// too (server unreachable or rate-limited, token refused); an entry the
// server refuses for itself stays, and the others are still sent. report
// is called after each attempt. The error is the first one met. An entry
// refused for its content becomes a draft when RedraftTo was given.
func (o *Outbox) Send(ctx context.Context, svc support.Tickets, report func(Result)) error {
	es, err := o.List()
	if err != nil {
		return err
	}
	var first error
	for _, e := range es {
		t, err := svc.CreateTicket(ctx, e.Input, support.CreateOptions{IdempotencyKey: e.IdempotencyKey, Attachments: e.Uploads()})
		if err == nil {
			err = o.Remove(e)
		}
		r := Result{Entry: e, Ticket: t, Err: err}
		if Refused(err) && o.drafts != nil {
			r.Draft, r.DraftErr = o.redraft(e, support.AsError(err).Fields)
		}
		if report != nil {
			report(r)
		}
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		switch support.ErrorCode(err) {
		case support.EUNAVAILABLE, support.ERATELIMITED, support.EUNAUTHENTICATED, support.EFORBIDDEN:
			return first
		}
		if ctx.Err() != nil {
			return first
		}
	}
	return first
}
