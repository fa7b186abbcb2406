package factory

import (
	"testing"
	"time"
)

func TestClientTimeoutFromTheEnvironment(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"": ClientTimeout, "90s": 90 * time.Second, "2m": 2 * time.Minute, "45": 45 * time.Second, " 5s ": 5 * time.Second,
	} {
		if got, err := clientTimeout(v); err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"soon", "0", "-5s", "2h", "1.5", "10 s"} {
		if _, err := clientTimeout(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
