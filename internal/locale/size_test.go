package locale

import (
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{EN, 0, "0 B"}, {FR, 0, "0 o"},
		{EN, 812, "812 B"}, {FR, 1023, "1023 o"},
		{EN, 1024, "1 KiB"}, {FR, 1536, "1,5 Kio"}, {EN, 1536, "1.5 KiB"},
		{EN, 5000, "4.9 KiB"},
		{EN, 1<<20 - 1, "1 MiB"}, // 1023.999 KiB rounds to the next unit
		{FR, 10 << 20, "10 Mio"}, {EN, 10 << 20, "10 MiB"},
		{EN, 25<<20 + 1<<19, "25.5 MiB"}, {FR, 25<<20 + 1<<19, "25,5 Mio"},
		{EN, 3 << 30, "3 GiB"}, {FR, 1 << 40, "1 Tio"},
	} {
		if got := Size(tc.lang, tc.n); got != tc.want {
			t.Errorf("Size(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// Size rules carry raw bytes, which scripts compare; the message says them
// the reader's way, and a size where reading stopped as a lower bound.
func TestSizeRulesAreWrittenForPeople(t *testing.T) {
	fe := support.FieldError{Field: "attachments", Rule: support.RuleFileSize,
		Params: map[string]string{"name": "capture.png", "size": "11534336", "max": "10485760"}}
	if got, want := Rule(FR, fe), "le fichier « capture.png » fait 11 Mio, au-delà de la limite de 10 Mio par fichier"; got != want {
		t.Errorf("fr: %q\nwant %q", got, want)
	}
	fe.Params["size_known"] = "false"
	if got, want := Rule(EN, fe), `the file "capture.png" is more than 11 MiB, over the limit of 10 MiB per file`; got != want {
		t.Errorf("en: %q\nwant %q", got, want)
	}
	if fe.Params["size"] != "11534336" {
		t.Errorf("the params were changed: %v", fe.Params)
	}
}
