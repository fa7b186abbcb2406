package helpdesk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Journal records, on the client, the Idempotency-Keys of the creates that
// reached the wire. RT and Redmine have no idempotency keys, so a create
// whose answer was lost may have filed the ticket; before sending a key
// again, the adapter searches the back end for its marker. A key never
// sent (the usual first try) needs no search: the journal says so without
// a request. The record is written (and synced) before the request goes
// out, so a crash in between errs on the side of searching.
type Journal struct {
	// Dir holds one empty file per key; "" disables the journal (every
	// create then searches first).
	Dir string
	Now func() time.Time
}

// journalKeep is how long a record is kept: longer than any outbox entry
// or draft is expected to wait.
const journalKeep = 90 * 24 * time.Hour

// Sent reports whether key may have been sent before: true when it is
// recorded, or when there is no journal to ask.
func (j *Journal) Sent(key string) bool {
	if j == nil || j.Dir == "" {
		return true
	}
	_, err := os.Stat(j.path(key))
	return !errors.Is(err, fs.ErrNotExist)
}

// Mark records key before it is sent, and prunes old records.
func (j *Journal) Mark(key string) error {
	if j == nil || j.Dir == "" {
		return nil
	}
	if err := os.MkdirAll(j.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path(key), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	j.prune()
	return nil
}

func (j *Journal) path(key string) string { return filepath.Join(j.Dir, filepath.Base(key)) }

func (j *Journal) prune() {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	entries, err := os.ReadDir(j.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && now().Sub(info.ModTime()) > journalKeep {
			os.Remove(filepath.Join(j.Dir, e.Name()))
		}
	}
}
