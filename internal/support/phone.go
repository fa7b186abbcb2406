package support

import (
	"strings"
	"unicode/utf8"
)

// ParsePhone checks a French phone number and returns it in E.164
// (+33639981234). Accepted: 10 digits starting with 0 (06 39 98 12 34), or
// +33 followed by 9 digits (+33 6 39 98 12 34), with spaces, dots and dashes
// anywhere; also 0033 for +33, and the common "+33 (0)4 ..." written form.
func ParsePhone(s string) (string, *FieldError) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", &FieldError{Field: "reporter.phone", Rule: RuleRequired}
	}
	var b strings.Builder
	trunk := false // "(0)" seen
	for i := 0; i < len(t); {
		r, size := utf8.DecodeRuneInString(t[i:])
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '\u00a0' || r == '\u202f':
		case !trunk && strings.HasPrefix(t[i:], "(0)") && (b.String() == "+33" || b.String() == "0033"):
			// "+33 (0)4 ..." writes the trunk 0 that is dialled at home; it
			// is only that right after the country code: anywhere else it
			// would hide an extra digit.
			size, trunk = len("(0)"), true
		default:
			return "", &FieldError{Field: "reporter.phone", Rule: RulePhone}
		}
		i += size
	}
	d := b.String()
	var national string // the 9 digits after the leading 0
	switch {
	case strings.HasPrefix(d, "+33"):
		national = d[3:]
	case strings.HasPrefix(d, "0033"):
		national = d[4:]
	case len(d) == 10 && d[0] == '0':
		national = d[1:]
	default:
		return "", &FieldError{Field: "reporter.phone", Rule: RulePhone}
	}
	if len(national) != 9 || !allDigits(national) || national[0] == '0' {
		return "", &FieldError{Field: "reporter.phone", Rule: RulePhone}
	}
	return "+33" + national, nil
}

// FormatPhone shows an E.164 French number the French way: 06 39 98 12 34.
// Anything else is returned unchanged.
func FormatPhone(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+33") || !allDigits(e164[3:]) {
		return e164
	}
	d := "0" + e164[3:]
	return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
}
