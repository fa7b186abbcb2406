package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address of the client that made r: the peer's, or,
// when the peer is a trusted reverse proxy, the one it forwarded.
//
// X-Forwarded-For and Forwarded (RFC 7239) are read only from a trusted
// peer, and from the right: each proxy appends the address it saw, so
// the right-most address that is not a trusted proxy's is the first one
// no proxy of ours vouches for; everything to its left the client may
// have written itself. A header that does not parse, and two headers
// that disagree (a proxy that sets one passes the other through as the
// client wrote it), leave the peer's address: a client cannot choose
// its key by forging a header, at worst it shares the proxy's.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		return remoteHost(r.RemoteAddr)
	}
	if !trusts(trusted, peer) {
		return peer.String()
	}
	xff, xffOK := forwardedFor(r.Header.Values("X-Forwarded-For"), trusted)
	fwd, fwdOK := rfc7239For(r.Header.Values("Forwarded"), trusted)
	switch {
	case xffOK && fwdOK:
		if xff == fwd {
			return xff.String()
		}
	case xffOK && len(r.Header.Values("Forwarded")) == 0:
		return xff.String()
	case fwdOK && len(r.Header.Values("X-Forwarded-For")) == 0:
		return fwd.String()
	}
	return peer.String()
}

func trusts(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHost reads an address with or without a port ("192.0.2.1",
// "192.0.2.1:4711", "[2001:db8::1]:4711", "2001:db8::1").
func parseHost(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// rightmostUntrusted walks a list of hops from the right, skipping
// trusted proxies; when every hop is trusted, the left-most one is the
// client (a proxy talking to us on its own behalf).
func rightmostUntrusted(hops []netip.Addr, trusted []netip.Prefix) (netip.Addr, bool) {
	if len(hops) == 0 {
		return netip.Addr{}, false
	}
	for i := len(hops) - 1; i >= 0; i-- {
		if !trusts(trusted, hops[i]) {
			return hops[i], true
		}
	}
	return hops[0], true
}

// forwardedFor reads X-Forwarded-For ("client, proxy1, proxy2"), however
// many lines it comes in.
func forwardedFor(lines []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []netip.Addr
	for _, l := range lines {
		for _, h := range strings.Split(l, ",") {
			a, ok := parseHost(h)
			if !ok {
				return netip.Addr{}, false
			}
			hops = append(hops, a)
		}
	}
	return rightmostUntrusted(hops, trusted)
}

// rfc7239For reads the for= parameters of Forwarded: elements separated
// by commas, pairs by semicolons, values bare or quoted
// (for="[2001:db8::1]:4711"). An element without for=, or whose for= is
// not an address ("unknown", an obfuscated "_name"), is not something we
// can key on: the header is then treated as malformed.
func rfc7239For(lines []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []netip.Addr
	for _, l := range lines {
		for _, elem := range splitQuoted(l, ',') {
			var found bool
			for _, pair := range splitQuoted(elem, ';') {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				if strings.HasPrefix(v, `"`) {
					if len(v) < 2 || !strings.HasSuffix(v, `"`) {
						return netip.Addr{}, false
					}
					v = v[1 : len(v)-1]
				}
				a, ok := parseHost(v)
				if !ok || found {
					return netip.Addr{}, false
				}
				hops, found = append(hops, a), true
			}
			if !found {
				return netip.Addr{}, false
			}
		}
	}
	return rightmostUntrusted(hops, trusted)
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
