package support

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// RateLimit is "N per Per": up to N at once, then one more every Per/N.
// Its zero value is no limit.
type RateLimit struct {
	N   int
	Per time.Duration
}

// Off reports whether the limit is off.
func (l RateLimit) Off() bool { return l.N <= 0 || l.Per <= 0 }

// String writes the limit as ParseRateLimit reads it: "20/1m", "30/1h",
// "5/90s", or "off".
func (l RateLimit) String() string {
	if l.Off() {
		return "off"
	}
	per := l.Per.String()
	switch {
	case l.Per%time.Hour == 0:
		per = strconv.Itoa(int(l.Per/time.Hour)) + "h"
	case l.Per%time.Minute == 0:
		per = strconv.Itoa(int(l.Per/time.Minute)) + "m"
	}
	return strconv.Itoa(l.N) + "/" + per
}

// Default server rate limits (see docs/decisions.md).
var (
	// DefaultAuthFailureLimit is how many bad tokens one address, or one
	// token prefix, may send before it waits: 20, then one every 3 s.
	DefaultAuthFailureLimit = RateLimit{N: 20, Per: time.Minute}
	// DefaultCreateLimit is how many tickets one user may create: 30 at
	// once, then one every 2 min. A head of school files a few a week;
	// an outbox sent after an outage holds a handful.
	DefaultCreateLimit = RateLimit{N: 30, Per: time.Hour}
	// DefaultCommentLimit is how many comments one reporter may add: 60 at
	// once, then one a minute. A reporter answering an agent writes a
	// few; agents and admins are never limited.
	DefaultCommentLimit = RateLimit{N: 60, Per: time.Hour}
)

var errRateLimit = errors.New(`want N/PERIOD ("20/1m", "30/1h") or "off"`)

// ParseRateLimit reads "N/PERIOD" (PERIOD a Go duration, or s, m, h alone
// for one second, minute, hour), and "off" or "0" for no limit.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "off" || s == "0" {
		return RateLimit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return RateLimit{}, errRateLimit
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 || count > 1_000_000 {
		return RateLimit{}, errRateLimit
	}
	per = strings.TrimSpace(per)
	if per == "s" || per == "m" || per == "h" {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second || d > 24*time.Hour {
		return RateLimit{}, errRateLimit
	}
	return RateLimit{N: count, Per: d}, nil
}
