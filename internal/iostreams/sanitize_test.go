package iostreams

import (
	"bytes"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bonjour, l'ENT répond.", "Bonjour, l'ENT répond."},
		{"ligne 1\nligne 2\tcolonne", "ligne 1\nligne 2\tcolonne"},
		{"Windows\r\nligne", "Windows\nligne"},
		{"\x1b]0;pwned\x07\x1b[2J", "␛]0;pwned␇␛[2J"},
		{"retour\rchariot", "retour␍chariot"},
		{"nul\x00 del\x7f", "nul␀ del␡"},
		{"csi \u009b31m", "csi <U+009B>31m"},
		{"invalid \x9b byte", "invalid \uFFFD byte"},
		{"facture\u202Efdp.exe", "facture<U+202E>fdp.exe"},
		{"\u202A\u202B\u202C\u202D \u2066\u2067\u2068\u2069", "<U+202A><U+202B><U+202C><U+202D> <U+2066><U+2067><U+2068><U+2069>"},
		{"emoji 🙂 and \u200e mark", "emoji 🙂 and \u200e mark"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSafeWriterSplitWrites: a rune or a CRLF cut between two writes is
// neither mangled nor let through.
func TestSafeWriterSplitWrites(t *testing.T) {
	var out bytes.Buffer
	w := SafeWriter(&out)
	in := "é\u202Ex\r\ny\x1b[2J"
	for i := 0; i < len(in); i++ {
		if _, err := w.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "é<U+202E>x\ny␛[2J"; got != want {
		t.Errorf("byte by byte: %q, want %q", got, want)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\u202e") {
		t.Errorf("raw control left")
	}
}
