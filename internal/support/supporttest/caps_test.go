package supporttest

import (
	"os"
	"strings"
	"testing"
)

// The matrix in docs/testing.md is the one the declarations give: a
// capability declared or changed without the documentation fails here.
func TestMatrixInDocs(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	if m := Matrix(); !strings.Contains(string(doc), m) {
		t.Errorf("docs/testing.md lacks the capability matrix as declared; paste it:\n%s", m)
	}
}

// Every back end declares every capability with a reason where it
// differs, and the reference differs from nothing.
func TestDeclarations(t *testing.T) {
	for _, r := range Reference().Rows() {
		if r.Differs {
			t.Errorf("the reference differs from itself on %s", r.Name)
		}
	}
	for _, d := range Declared {
		for _, r := range d.Caps.Rows() {
			if r.Differs && strings.TrimSpace(r.Reason) == "" {
				t.Errorf("%s: %s differs without a reason", d.Name, r.Name)
			}
		}
	}
}
