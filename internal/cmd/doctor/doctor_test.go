package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

type fakeDoctor []support.Check

func (f fakeDoctor) Doctor(context.Context) []support.Check { return f }

func run(t *testing.T, checks []support.Check, asJSON bool) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Run(&DoctorOptions{Out: &out, JSON: asJSON,
		T:      func(k string, p map[string]string) string { return "Fix: " + p["fix"] },
		Doctor: func() (support.Doctor, error) { return fakeDoctor(checks), nil }})
	return out.String(), err
}

func TestRun(t *testing.T) {
	ok := []support.Check{{Name: "Serveur joignable", OK: true, Detail: "RT 5.0.3"}, {Name: "Jeton", OK: true}}
	out, err := run(t, ok, false)
	if err != nil || out != "✓ Serveur joignable — RT 5.0.3\n✓ Jeton\n" {
		t.Errorf("all ok: %q, %v", out, err)
	}
	bad := append(ok, support.Check{Name: "Champ « Commune »", OK: false, Fix: "créez-le"})
	out, err = run(t, bad, false)
	if !errors.Is(err, cmdutil.ErrSilent) {
		t.Errorf("a failed check must exit 1, got %v", err)
	}
	if want := "✓ Serveur joignable — RT 5.0.3\n✓ Jeton\n✗ Champ « Commune »\n  Fix: créez-le\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	out, _ = run(t, bad, true)
	var got []support.Check
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 3 || got[2].OK || got[2].Fix != "créez-le" {
		t.Errorf("--json: %s (%v)", out, err)
	}
	if out, _ := run(t, nil, true); out != "[]\n" {
		t.Errorf("no checks, --json: %q", out)
	}
}
