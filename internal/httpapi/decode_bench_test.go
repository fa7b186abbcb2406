package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// Refusing JSON nested 100,000 deep (200 KB) costs one pass over the
// bytes, stopped at level 33, and no decoding; the anchor is decoding one
// ordinary ticket. `bash .ci/bench` does not run it: go test -bench
// 'DecodeJSON' ./internal/httpapi.
func BenchmarkDecodeJSON(b *testing.B) {
	ticket, _ := json.Marshal(validInput())
	for _, bc := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"ticket", ticket, true},
		{"nested100000", []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)), false},
		{"invalidUTF8", bytes.Replace(ticket, []byte(`"subject":"`), []byte("\"subject\":\"\xe9"), 1), false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				var in support.TicketInput
				err := decodeJSON(bytes.NewReader(bc.body), &in)
				if (err == nil) != bc.ok {
					b.Fatalf("err = %v", err)
				}
			}
		})
	}
}
