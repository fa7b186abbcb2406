package drafts

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/support"
)

func clock(start time.Time) func() time.Time {
	t := start
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestSaveGetListLatestRemove(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	s := Open(state, clock(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)))

	if _, err := s.Latest(); support.ErrorCode(err) != support.ENOTFOUND {
		t.Fatalf("Latest of nothing: %v, want ENOTFOUND", err)
	}
	a := &Draft{Input: support.TicketInput{Subject: "Messagerie"}, Attachments: []string{"/tmp/capture.png"}}
	b := &Draft{Input: support.TicketInput{Subject: "Cahier de textes"}, IdempotencyKey: "cli-1"}
	for _, d := range []*Draft{a, b} {
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID == "" || a.ID >= b.ID {
		t.Errorf("IDs %q then %q: not sortable by creation", a.ID, b.ID)
	}
	got, err := s.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Get: (-saved +read)\n%s", diff)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Errorf("List: %+v, want a then b", list)
	}
	// Working on the older draft again makes it the latest.
	a.Input.Location = "Accueil > Messagerie"
	if err := s.Save(a); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Latest(); err != nil || l.ID != a.ID || l.Input.Location == "" {
		t.Errorf("Latest: %+v %v, want the draft saved last", l, err)
	}
	if list, _ := s.List(); list[0].ID != a.ID {
		t.Errorf("List after an update: %s first, want the order of creation", list[0].ID)
	}
	if err := s.Remove(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(a.ID); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("Get after Remove: %v, want ENOTFOUND", err)
	}
	if err := s.Remove(a.ID); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("Remove twice: %v, want ENOTFOUND", err)
	}
	if l, _ := s.Latest(); l.ID != b.ID {
		t.Errorf("Latest after Remove: %s, want %s", l.ID, b.ID)
	}
}

func TestModesAndNoLeftovers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	state := filepath.Join(t.TempDir(), "state")
	s := Open(state, nil)
	d := &Draft{Input: support.TicketInput{Subject: "x"}}
	for range 3 {
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{state, s.Dir()} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700", p, fi.Mode().Perm(), err)
		}
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != d.ID+".json" {
		t.Fatalf("folder holds %v, want only %s.json (atomic writes leave no temporary file)", entries, d.ID)
	}
	if fi, _ := os.Stat(filepath.Join(s.Dir(), d.ID+".json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("draft mode %v, want 0600", fi.Mode().Perm())
	}
}

// An ID from the command line never reaches outside the folder.
func TestIDsCannotEscape(t *testing.T) {
	dir := t.TempDir()
	s := Open(filepath.Join(dir, "state"), nil)
	os.WriteFile(filepath.Join(dir, "state", "secret.json"), []byte("{}"), 0o600)
	for _, id := range []string{"../secret", "..", "", "a/b", `a\b`} {
		if _, err := s.Get(id); support.ErrorCode(err) != support.ENOTFOUND {
			t.Errorf("Get(%q): %v, want ENOTFOUND", id, err)
		}
		if err := s.Remove(id); support.ErrorCode(err) != support.ENOTFOUND {
			t.Errorf("Remove(%q): %v, want ENOTFOUND", id, err)
		}
	}
}

// A damaged file does not hide the other drafts.
func TestListSkipsDamagedFiles(t *testing.T) {
	s := Open(t.TempDir(), nil)
	d := &Draft{Input: support.TicketInput{Subject: "ok"}}
	if err := s.Save(d); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.Dir(), "20200101-000000-dead.json"), []byte("{not json"), 0o600)
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Errorf("List: %v %v, want the one good draft", list, err)
	}
}

// TestDraftsStayWithTheirPlace: a draft is listed, resumed and removed
// only from the profile and server it was written for.
func TestDraftsStayWithTheirPlace(t *testing.T) {
	whole := Open(t.TempDir(), nil)
	loire := whole.For(config.PlaceOf("loire", "https://support.loire.example"))
	ain := whole.For(config.PlaceOf("ain", "https://support.ain.example"))
	d := &Draft{Input: support.TicketInput{Subject: "Pilat"}}
	if err := loire.Save(d); err != nil || d.Profile != "loire" {
		t.Fatalf("save: %+v %v", d, err)
	}
	if ds, _ := ain.List(); len(ds) != 0 {
		t.Errorf("ain lists %d of loire's drafts", len(ds))
	}
	if n, _ := ain.Others(); n != 1 {
		t.Errorf("ain counts %d others", n)
	}
	if _, err := ain.Latest(); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("ain resumes loire's latest: %v", err)
	}
	if _, err := ain.Get(d.ID); support.AsError(err) == nil || support.AsError(err).Key != "keep.draft.other_place" {
		t.Errorf("ain gets loire's draft: %v", err)
	}
	if err := ain.Remove(d.ID); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("ain removes loire's draft: %v", err)
	}
	if got, err := loire.Latest(); err != nil || got.ID != d.ID {
		t.Errorf("loire's latest: %+v %v", got, err)
	}
}
