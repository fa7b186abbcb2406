package config

import (
	"net/url"
	"strings"
)

// Place is where a kept ticket (a draft, an outbox entry) is meant to go:
// the profile it was written under and that profile's server at the time.
// A ticket is only ever sent, listed or resumed in its own place, so that
// `--profile other` never carries one territory's ticket (its screenshots,
// its reporter's phone) to another territory's server.
type Place struct {
	Profile string `json:"profile,omitempty"`
	Server  string `json:"server,omitempty"`
}

// PlaceOf is the place of profile with server in force ("" for the
// embedded server).
func PlaceOf(profile, server string) Place {
	return Place{Profile: profile, Server: NormalServer(server)}
}

// Holds says whether something kept for k belongs here. Things kept
// before they remembered their place (no profile) belong to the default
// profile, whatever its server: it is the profile of everyone who uses a
// single server, and an old ticket is better sent by that one profile
// than by whichever runs first.
func (p Place) Holds(k Place) bool {
	if k.Profile == "" {
		return p.Profile == DefaultProfile
	}
	return k.Profile == p.Profile && NormalServer(k.Server) == NormalServer(p.Server)
}

// NormalServer writes a server's address one way: scheme and host in lower
// case, no trailing slash, so that a profile saved as
// "HTTPS://Support.example.org/" is the same place as
// "https://support.example.org".
func NormalServer(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}
