package support

import (
	"strconv"
	"strings"
)

// DefaultPrefix is the number prefix of a server started without --prefix.
const DefaultPrefix = "CG42N1"

// Number identifies a ticket: PREFIX-SEQ (CG42N1-1042). A Number parsed from
// a bare "1042" has an empty Prefix, meaning "the server's prefix".
type Number struct {
	Prefix string
	Seq    int64
}

func (n Number) String() string {
	if n.Prefix == "" {
		return strconv.FormatInt(n.Seq, 10)
	}
	return n.Prefix + "-" + strconv.FormatInt(n.Seq, 10)
}

// IsZero reports whether n is the zero Number.
func (n Number) IsZero() bool { return n.Seq == 0 && n.Prefix == "" }

// MarshalText writes PREFIX-SEQ, so that a Number is a JSON string. The
// zero Number (a ticket not numbered yet) is written "", not "0", which no
// parse would accept back.
func (n Number) MarshalText() ([]byte, error) {
	if n.IsZero() {
		return []byte{}, nil
	}
	return []byte(n.String()), nil
}

// UnmarshalText reads what ParseNumber accepts, and "" as the zero Number.
func (n *Number) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = Number{}
		return nil
	}
	v, fe := ParseNumber(string(b))
	if fe != nil {
		return InvalidFields([]FieldError{*fe})
	}
	*n = v
	return nil
}

// ValidPrefix reports whether p can be a number prefix: 1 to 16 upper-case
// ASCII letters and digits, starting with a letter.
func ValidPrefix(p string) bool {
	if len(p) < 1 || len(p) > 16 || p[0] < 'A' || p[0] > 'Z' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParseNumber accepts CG42N1-1042, cg42n1-1042, #1042 and 1042. The sequence
// is a positive decimal number of at most 18 digits.
func ParseNumber(s string) (Number, *FieldError) {
	bad := &FieldError{Field: "number", Rule: RuleNumber}
	t := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if t == "" {
		return Number{}, &FieldError{Field: "number", Rule: RuleRequired}
	}
	var prefix, seq string
	if i := strings.LastIndexByte(t, '-'); i >= 0 {
		prefix, seq = strings.ToUpper(t[:i]), t[i+1:]
		if !ValidPrefix(prefix) {
			return Number{}, bad
		}
	} else {
		seq = t
	}
	if len(seq) == 0 || len(seq) > 18 || !allDigits(seq) {
		return Number{}, bad
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n <= 0 {
		return Number{}, bad
	}
	return Number{Prefix: prefix, Seq: n}, nil
}
