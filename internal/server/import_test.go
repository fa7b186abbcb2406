package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/directory/directorytest"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// The national directory's export (../directory/testdata) imported over
// HTTP into a real server: a per-line report of what was added or refused
// and why; the same file again changes nothing; a line that changed is
// the one update.
func TestImportNationalExport(t *testing.T) {
	s := start(t, Options{BootstrapToken: benchAdmin, Prefix: "CG42N1"})
	admin, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: benchAdmin})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../directory/testdata/annuaire_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	report := func(b []byte) (*support.ImportReport, string) {
		t.Helper()
		rep, err := admin.ImportEstablishments(ctx, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range rep.Lines {
			s := fmt.Sprintf("%d %s %s", l.Line, l.UAI, l.Result)
			if l.Error != nil {
				s += " " + l.Error.Field + ":" + l.Error.Rule
				if msg := locale.Field(locale.FR, *l.Error); msg == "" || strings.Contains(msg, "{") {
					t.Errorf("line %d: no French reason: %q", l.Line, msg)
				}
			}
			lines = append(lines, s)
		}
		return rep, strings.Join(lines, "\n")
	}
	refusals := `
5 0691234A refused establishment.uai:uai_key
7 0421234N refused establishment.uai:duplicate
8 42A1234 refused establishment.uai:uai_format
12 0751234J refused establishment.name:required
15 0420059L refused csv:utf8
16 0420013L refused establishment.uai:duplicate`
	refusedOnly := func(s string) string {
		l := strings.Split(strings.TrimSpace(s), "\n")
		out := []string{}
		for _, x := range l {
			if strings.Contains(x, "refused") {
				out = append(out, x)
			}
		}
		return strings.Join(out, "\n")
	}
	rep, lines := report(csv)
	if rep.Added != 8 || rep.Updated != 0 || rep.Unchanged != 0 || rep.Refused != 6 || len(rep.Lines) != 14 {
		t.Errorf("first import: %d added, %d updated, %d unchanged, %d refused, %d lines:\n%s", rep.Added, rep.Updated, rep.Unchanged, rep.Refused, len(rep.Lines), lines)
	}
	if got := refusedOnly(lines); got != strings.TrimSpace(refusals) {
		t.Errorf("refusals:\n%s\nwant:\n%s", got, strings.TrimSpace(refusals))
	}
	before, err := admin.SearchEstablishments(ctx, "", support.MaxListLimit)
	if err != nil {
		t.Fatal(err)
	}
	rep, lines = report(csv)
	if rep.Added != 0 || rep.Updated != 0 || rep.Unchanged != 8 || rep.Refused != 6 {
		t.Errorf("second import changed something:\n%s", lines)
	}
	after, err := admin.SearchEstablishments(ctx, "", support.MaxListLimit)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) || len(after) != 8 {
		t.Errorf("the directory moved:\n%v\n%v", before, after)
	}
	for _, q := range []string{"Tilleuls", "saint-etienne", "0010016M"} {
		found, err := admin.SearchEstablishments(ctx, q, 10)
		if err != nil || len(found) == 0 {
			t.Errorf("search %q: %v %v", q, found, err)
		}
	}
	// Laon's college renamed: that line, and only it, is an update.
	changed := bytes.Replace(csv, []byte("Collège Jean Racine"), []byte("Collège Jean Racine (cité scolaire)"), 1)
	rep, lines = report(changed)
	if rep.Added != 0 || rep.Updated != 1 || rep.Unchanged != 7 || !strings.Contains(lines, "13 0021234F updated") {
		t.Errorf("changed line:\n%s", lines)
	}
}

// nationalExportLines is the size of the national directory's export.
const nationalExportLines = 60_000

// A national export of 60,000 lines imported over HTTP into a server on
// SQLite (synchronous=FULL): every line accounted for, in order, within a
// minute; the same file again changes nothing; one renamed college is the
// one update; the audit entry carries the totals.
func TestImportNationalExport60k(t *testing.T) {
	x := directorytest.NationalExport(nationalExportLines)
	s := start(t, Options{BootstrapToken: benchAdmin, Prefix: "CG42N1"})
	admin, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: benchAdmin})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	rep, err := admin.ImportEstablishments(ctx, bytes.NewReader(x.CSV))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(t0)
	t.Logf("imported %d lines in %s", nationalExportLines, elapsed.Round(time.Millisecond))
	if elapsed > time.Minute {
		t.Errorf("the import took %s, more than a minute", elapsed)
	}
	if rep.Added != x.Valid || rep.Updated != 0 || rep.Unchanged != 0 || rep.Refused != x.Refused || len(rep.Lines) != nationalExportLines {
		t.Fatalf("first import: %d added, %d updated, %d unchanged, %d refused, %d lines; want %d added, %d refused",
			rep.Added, rep.Updated, rep.Unchanged, rep.Refused, len(rep.Lines), x.Valid, x.Refused)
	}
	last := 1
	for _, l := range rep.Lines {
		if l.Line <= last || (l.Result == "refused") != (l.Error != nil) || l.Result == "" {
			t.Fatalf("line %d after line %d: %+v", l.Line, last, l)
		}
		last = l.Line
	}
	audit, err := admin.Audit(ctx, support.AuditFilter{Action: support.AuditEstablishmentImport})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("added %d, updated 0, unchanged 0, refused %d", x.Valid, x.Refused)
	if len(audit) != 1 || audit[0].Detail != want {
		t.Errorf("audit: %+v; want one entry %q", audit, want)
	}

	rep, err = admin.ImportEstablishments(ctx, bytes.NewReader(x.Rename()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 0 || rep.Updated != 1 || rep.Unchanged != x.Valid-1 || rep.Refused != x.Refused {
		t.Errorf("re-import with one rename: %d added, %d updated, %d unchanged, %d refused", rep.Added, rep.Updated, rep.Unchanged, rep.Refused)
	}
	for _, l := range rep.Lines {
		if (l.Result == "updated") != (l.Line == x.RenamedLine && l.UAI == x.RenamedUAI) {
			t.Errorf("line %d %s: %s (the renamed one is line %d %s)", l.Line, l.UAI, l.Result, x.RenamedLine, x.RenamedUAI)
		}
	}
	got, err := admin.SearchEstablishments(ctx, x.RenamedUAI, 1)
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Name, "(cité scolaire)") {
		t.Errorf("the renamed college: %+v, %v", got, err)
	}
}
