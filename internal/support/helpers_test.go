package support_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/support"
)

// checkFieldError compares a *FieldError with the rule expected ("" = no
// error), and with the field it must name, so that a table row reads as
// "input -> rule".
func checkFieldError(tb testing.TB, in string, got *support.FieldError, field, wantRule string) {
	tb.Helper()
	if len(in) > 60 {
		in = in[:60] + "…"
	}
	switch {
	case wantRule == "" && got != nil:
		tb.Errorf("%q: unexpected error %+v", in, *got)
	case wantRule != "" && got == nil:
		tb.Errorf("%q: accepted, want rule %q", in, wantRule)
	case got != nil && (got.Rule != wantRule || got.Field != field):
		tb.Errorf("%q: got %s/%s, want %s/%s", in, got.Field, got.Rule, field, wantRule)
	}
}

// fieldsOf lists "field/rule" of errs: the order and the rules are what a
// caller relies on; Params are checked where they matter.
func fieldsOf(errs []support.FieldError) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Field+"/"+e.Rule)
	}
	return out
}

// repeat builds a string of exactly n characters (runes) from r, so that
// length bounds are checked in characters, not bytes.
func repeat(r string, n int) string { return strings.Repeat(r, n) }

var ignoreEmpty = cmpopts.EquateEmpty()

func diff(a, b any) string { return cmp.Diff(a, b, ignoreEmpty) }
