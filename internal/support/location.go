package support

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// ParseLocation checks where the problem is seen: an http(s) URL with a
// host, or a breadcrumb of at least two non-empty segments separated by ">"
// (Accueil > Disciplines > SVT). A breadcrumb is returned with its segments
// trimmed and joined by " > ".
func ParseLocation(s string) (string, *FieldError) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", &FieldError{Field: "location", Rule: RuleRequired}
	}
	// The length is checked on what is kept (below for a breadcrumb, which
	// grows when spaced out), so that an accepted location re-parses.
	if strings.ContainsAny(t, "\r\n") || !utf8.ValidString(t) {
		return "", &FieldError{Field: "location", Rule: RuleLocation}
	}
	lower := strings.ToLower(t)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		u, err := url.Parse(t)
		if err != nil || u.Host == "" || u.Hostname() == "" || strings.ContainsAny(t, " \t") || utf8.RuneCountInString(t) > LocationMax {
			return "", &FieldError{Field: "location", Rule: RuleLocation}
		}
		return t, nil
	}
	parts := strings.Split(t, ">")
	if len(parts) < 2 {
		return "", &FieldError{Field: "location", Rule: RuleLocation}
	}
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(p), " ")
		if parts[i] == "" {
			return "", &FieldError{Field: "location", Rule: RuleLocation}
		}
	}
	out := strings.Join(parts, " > ")
	if utf8.RuneCountInString(out) > LocationMax {
		return "", &FieldError{Field: "location", Rule: RuleLocation}
	}
	return out, nil
}
