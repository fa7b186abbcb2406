package httpapi

import (
	"net/http"
	"net/netip"
	"testing"
)

// The client's address: the peer's unless the peer is a trusted proxy;
// then the right-most forwarded address that is not a trusted proxy's.
// Malformed or disagreeing headers leave the peer.
func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tc := range []struct {
		name, peer string
		xff, fwd   []string
		trusted    []netip.Prefix
		want       string
	}{
		{name: "direct client", peer: "192.0.2.7:5123", want: "192.0.2.7"},
		{name: "forged header from an untrusted peer", peer: "192.0.2.7:5123", xff: []string{"198.51.100.1"}, want: "192.0.2.7"},
		{name: "no proxy trusted", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1"}, trusted: []netip.Prefix{}, want: "127.0.0.1"},
		{name: "one proxy", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "client's own forgery left of the real hop", peer: "127.0.0.1:5123", xff: []string{"6.6.6.6, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "two trusted proxies", peer: "127.0.0.1:5123", xff: []string{"6.6.6.6, 198.51.100.1, 10.1.2.3"}, want: "198.51.100.1"},
		{name: "several lines", peer: "127.0.0.1:5123", xff: []string{"6.6.6.6", "198.51.100.1", "10.1.2.3"}, want: "198.51.100.1"},
		{name: "only proxies", peer: "127.0.0.1:5123", xff: []string{"10.9.9.9, 10.1.2.3"}, want: "10.9.9.9"},
		{name: "malformed", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1, not-an-address"}, want: "127.0.0.1"},
		{name: "empty", peer: "127.0.0.1:5123", xff: []string{""}, want: "127.0.0.1"},
		{name: "IPv6 with port", peer: "[2001:db8:ffff::1]:443", xff: []string{"[2001:db8:1::5]:4711"}, want: "2001:db8:1::5"},
		{name: "mapped IPv4", peer: "[::ffff:127.0.0.1]:80", xff: []string{"::ffff:198.51.100.1"}, want: "198.51.100.1"},
		{name: "Forwarded", peer: "127.0.0.1:5123", fwd: []string{`for=6.6.6.6, for=198.51.100.1;proto=https;by=127.0.0.1`}, want: "198.51.100.1"},
		{name: "Forwarded quoted IPv6", peer: "127.0.0.1:5123", fwd: []string{`for="[2001:db8:1::5]:4711"`}, want: "2001:db8:1::5"},
		{name: "Forwarded case and spaces", peer: "127.0.0.1:5123", fwd: []string{`proto=http; For=198.51.100.1`}, want: "198.51.100.1"},
		{name: "Forwarded unknown", peer: "127.0.0.1:5123", fwd: []string{`for=unknown`}, want: "127.0.0.1"},
		{name: "Forwarded obfuscated", peer: "127.0.0.1:5123", fwd: []string{`for=_hidden`}, want: "127.0.0.1"},
		{name: "Forwarded without for", peer: "127.0.0.1:5123", fwd: []string{`proto=https`}, want: "127.0.0.1"},
		{name: "Forwarded unterminated quote", peer: "127.0.0.1:5123", fwd: []string{`for="198.51.100.1`}, want: "127.0.0.1"},
		{name: "both agree", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1"}, fwd: []string{"for=198.51.100.1"}, want: "198.51.100.1"},
		{name: "both disagree", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1"}, fwd: []string{"for=6.6.6.6"}, want: "127.0.0.1"},
		{name: "good XFF, malformed Forwarded", peer: "127.0.0.1:5123", xff: []string{"198.51.100.1"}, fwd: []string{"for=unknown"}, want: "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tc.fwd {
				r.Header.Add("Forwarded", v)
			}
			tr := trusted
			if tc.trusted != nil {
				tr = tc.trusted
			}
			if got := clientAddr(r, tr); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}
