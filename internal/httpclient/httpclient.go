// Package httpclient holds the rules every call to a server we do not own
// follows, whichever client speaks on top (our own server's, RT's,
// Redmine's): TLS 1.2 at least with a territory's own CA added to the
// system roots, no redirect that would carry a credential to another
// origin or down to plain HTTP, and one reading of Retry-After.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Transport is the HTTP transport of our clients: TLS 1.2 at least, with
// the certificates of caFile (a territory's own CA), when given, added to
// the system's roots (never replacing them).
func Transport(caFile string) (*http.Transport, error) {
	tlsConf, err := TLSConfig(caFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf
	return tr, nil
}

// TLSConfig is the TLS configuration of every outgoing connection (HTTP,
// and the server's IMAP mailbox): TLS 1.2 at least, the certificates of
// caFile, when given, added to the system's roots.
func TLSConfig(caFile string) (*tls.Config, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := certPool(caFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	return tlsConf, nil
}

// certPool returns the system roots plus the certificates of file.
func certPool(file string) (*x509.CertPool, error) {
	bad := func(reason string) error {
		return support.Errorf(support.EINVALID, "error.bad_ca_file", map[string]string{"file": file, "reason": reason})
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, bad(err.Error())
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, bad("no PEM certificate")
	}
	return pool, nil
}

// Client is an *http.Client on tr with the redirect policy and no overall
// timeout (callers bound each call by its context: uploads need more).
func Client(tr http.RoundTripper) *http.Client {
	return &http.Client{Transport: tr, CheckRedirect: CheckRedirect}
}

// maxRedirects is net/http's own limit.
const maxRedirects = 10

// CheckRedirect is the redirect policy of every outgoing call (an
// http.Client's CheckRedirect): a redirect is followed only to the same
// origin (scheme, host and port) as the request that started the chain.
// Credentials travel in headers (Authorization, X-Redmine-API-Key) that
// net/http keeps on a redirect to the same host name whatever the port
// or scheme, and a custom header on any redirect at all; refusing the
// redirect is the only way to be sure none reaches another server or
// crosses the network in clear text.
//
// The error is a *support.Error (EUNAVAILABLE: nothing was done, the
// ticket stays in the outbox) naming both addresses, so that the person
// can fix the profile's server if the new address is the right one.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	from, to := via[0].URL, req.URL
	params := map[string]string{"server": Origin(from), "target": to.Redacted()}
	switch {
	case from.Scheme == "https" && to.Scheme != "https":
		return support.Errorf(support.EUNAVAILABLE, "error.redirect_downgrade", params)
	case Origin(from) != Origin(to):
		return support.Errorf(support.EUNAVAILABLE, "error.redirect_other_origin", params)
	case len(via) >= maxRedirects:
		return support.Errorf(support.EUNAVAILABLE, "error.redirect_loop", params)
	}
	return nil
}

// RedirectRefused says whether err is CheckRedirect's refusal: a follower
// that waits out an unreachable server must not wait this one out, since
// the server will redirect again.
func RedirectRefused(err error) bool {
	se := support.AsError(err)
	return se != nil && strings.HasPrefix(se.Key, "error.redirect_")
}

// Origin is u's scheme://host:port, the port made explicit, the host in
// lower case: two URLs with the same origin reach the same server.
func Origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return strings.ToLower(u.Scheme) + "://" + host + ":" + port
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date
// (RFC 9110 allows both; proxies send either), as the wait it asks for
// from now, uncapped: 0 when absent, invalid or already past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(n)*time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// Seconds rounds d up to whole seconds, as support.Error.RetryAfter holds it.
func Seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// CertificateProblem names what is wrong with the server's certificate, if
// that is why the connection failed: a message key and Go's own detail.
// Such an error is not retried and is not "unreachable": the fix is a CA
// file (--ca-file) or the server's certificate, not waiting.
func CertificateProblem(err error) (key, detail string) {
	var (
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		inv x509.CertificateInvalidError
		cv  *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &ua):
		return "error.tls_unknown_authority", ua.Error()
	case errors.As(err, &hn):
		return "error.tls_hostname", hn.Error()
	case errors.As(err, &inv):
		return "error.tls_invalid", inv.Error()
	case errors.As(err, &cv):
		return "error.tls_invalid", cv.Error()
	}
	return "", ""
}
