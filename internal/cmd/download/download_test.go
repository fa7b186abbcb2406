package download

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

func TestPick(t *testing.T) {
	as := []support.Attachment{{ID: 3, Name: "capture.png"}, {ID: 4, Name: "journal.log"}, {ID: 5, Name: "journal.log"}, {ID: 6, Name: "12"}}
	tests := []struct {
		which  string
		wantID int64
		usage  bool
		found  bool
	}{
		{"3", 3, false, true},
		{"capture.png", 3, false, true},
		{"CAPTURE.PNG", 3, false, true},
		{"12", 6, false, true}, // not an ID of this ticket: then a name
		{"journal.log", 0, true, false},
		{"absent.png", 0, false, false},
	}
	for _, tt := range tests {
		a, err := pick(as, tt.which)
		switch {
		case tt.found && (err != nil || a.ID != tt.wantID):
			t.Errorf("%s: %v %v, want ID %d", tt.which, a, err, tt.wantID)
		case tt.usage:
			if _, ok := err.(*cmdutil.UsageError); !ok {
				t.Errorf("%s: %v, want an ambiguity usage error", tt.which, err)
			}
		case !tt.found && !tt.usage && support.ErrorCode(err) != support.ENOTFOUND:
			t.Errorf("%s: %v, want ENOTFOUND", tt.which, err)
		}
	}
}

// Options → behaviour: the file lands whole, never over another without
// --force, and a corrupt transfer leaves nothing.
func TestDownloadRun(t *testing.T) {
	content := []byte("2026-11-28 GET / 502\n")
	sum := sha256.Sum256(content)
	newFake := func(sha string) *cmdtest.Tickets {
		fake := cmdtest.NewTickets()
		fake.Tickets = []*support.Ticket{{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: 1}},
			Attachments: []support.Attachment{{ID: 1, Name: "../../journal.log", Size: int64(len(content)), SHA256: sha}}}}
		fake.Files[1] = content
		return fake
	}
	dir := t.TempDir()
	tests := []struct {
		name     string
		sha      string
		output   string
		force    bool
		existing bool
		wantPath string
		wantErr  bool
	}{
		{name: "a safe name in the folder given", sha: hex.EncodeToString(sum[:]), output: dir, wantPath: filepath.Join(dir, "journal.log")},
		{name: "never overwrite", sha: hex.EncodeToString(sum[:]), output: filepath.Join(dir, "x.log"), existing: true, wantErr: true},
		{name: "unless forced", sha: hex.EncodeToString(sum[:]), output: filepath.Join(dir, "y.log"), existing: true, force: true, wantPath: filepath.Join(dir, "y.log")},
		{name: "a corrupt transfer leaves nothing", sha: "00", output: filepath.Join(dir, "z.log"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.existing {
				os.WriteFile(tt.output, []byte("keep me"), 0o644)
			}
			f, _, out, _ := cmdtest.Factory(t, newFake(tt.sha))
			err := downloadRun(&DownloadOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets, Number: "1", File: "1",
				Output: tt.output, Force: tt.force})
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if b, _ := os.ReadFile(tt.output); tt.existing && string(b) != "keep me" {
					t.Error("the existing file was changed")
				}
				if _, err := os.Stat(tt.output); !tt.existing && err == nil {
					t.Error("a file was left behind")
				}
				if m, _ := filepath.Glob(filepath.Join(dir, ".ent-support-download-*")); len(m) > 0 {
					t.Errorf("temporary files left: %v", m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(tt.wantPath); string(b) != string(content) {
				t.Errorf("%s holds %q", tt.wantPath, b)
			}
			if out.String() != tt.wantPath+"\n" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}
