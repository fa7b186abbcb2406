package config

import (
	"net"
	"net/url"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// EnvInsecureHTTP=1 allows a plain-http server other than this computer
// for one run, as a profile's insecure_http does for good.
const EnvInsecureHTTP = "ENT_SUPPORT_INSECURE_HTTP"

// Rules of a server's address (catalog: rule.<name>).
const (
	RuleURL          = "cli_url"
	RuleInsecureHTTP = "cli_insecure_http"
)

// CheckServer checks a server's address as a profile keeps it: a full
// http(s) URL; plain http only to this computer (127.0.0.0/8, ::1,
// localhost), unless insecureHTTP: the token and the tickets (their
// screenshots, the reporter's phone) would otherwise cross the network
// in clear text.
func CheckServer(raw string, insecureHTTP bool) *support.FieldError {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &support.FieldError{Field: "server", Rule: RuleURL}
	}
	if u.Scheme == "http" && !insecureHTTP && !Loopback(u.Hostname()) {
		return &support.FieldError{Field: "server", Rule: RuleInsecureHTTP}
	}
	return nil
}

// Loopback says whether host names this computer: localhost (and names
// under .localhost, which resolvers keep on the machine), 127.0.0.0/8 or
// ::1.
func Loopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
