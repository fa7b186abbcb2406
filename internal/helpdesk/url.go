package helpdesk

import (
	"net/url"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// BaseURL checks a back end's address from a profile (http or https, a
// host) and returns it without a trailing slash.
func BaseURL(raw string) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", support.Errorf(support.EINVALID, "error.bad_server_url", map[string]string{"server": raw})
	}
	return base, nil
}
