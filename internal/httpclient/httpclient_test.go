package httpclient

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

func TestCheckRedirect(t *testing.T) {
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	tests := []struct {
		from, to, key string // key "" = followed
	}{
		{"https://rt.example.org/REST/2.0/ticket/1", "https://rt.example.org/rt/REST/2.0/ticket/1", ""},
		{"http://127.0.0.1:8080/api/v1/me", "http://127.0.0.1:8080/api/v1/me/", ""},
		{"https://rt.example.org/x", "https://RT.example.org:443/y", ""},
		{"http://h.example/x", "http://h.example:80/y", ""},
		{"http://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", "error.redirect_other_origin"},
		{"https://rt.example.org/x", "https://evil.example/x", "error.redirect_other_origin"},
		{"https://rt.example.org/x", "https://sub.rt.example.org/x", "error.redirect_other_origin"},
		{"http://rt.example.org/x", "https://rt.example.org/x", "error.redirect_other_origin"},
		{"https://rt.example.org/x", "http://rt.example.org/x", "error.redirect_downgrade"},
		{"https://rt.example.org:8443/x", "http://rt.example.org:8443/x", "error.redirect_downgrade"},
	}
	for _, tt := range tests {
		err := CheckRedirect(req(tt.to), []*http.Request{req(tt.from)})
		got := ""
		if se := support.AsError(err); se != nil {
			got = se.Key
			if se.Code != support.EUNAVAILABLE || se.Params["target"] == "" || se.Params["server"] == "" {
				t.Errorf("%s → %s: %#v", tt.from, tt.to, se)
			}
		} else if err != nil {
			t.Errorf("%s → %s: %v is not a support error", tt.from, tt.to, err)
		}
		if got != tt.key {
			t.Errorf("%s → %s: %q, want %q", tt.from, tt.to, got, tt.key)
		}
	}
	// The chain is judged from its first request, not the last hop.
	via := []*http.Request{req("https://a.example/1"), req("https://a.example/2")}
	if err := CheckRedirect(req("https://b.example/3"), via); support.AsError(err) == nil {
		t.Errorf("second hop to another origin followed")
	}
	long := make([]*http.Request, 10)
	for i := range long {
		long[i] = req("https://a.example/")
	}
	if se := support.AsError(CheckRedirect(req("https://a.example/"), long)); se == nil || se.Key != "error.redirect_loop" {
		t.Errorf("11th redirect: %v", se)
	}
}

func TestRetryAfterSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	h := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-3", 0},
		{"soon", 0},
		{"Wed, 02 Dec 2026 08:00:30 GMT", 30 * time.Second},
		{"Wednesday, 02-Dec-26 08:01:00 GMT", time.Minute}, // RFC 850, still allowed
		{"Wed, 02 Dec 2026 07:59:00 GMT", 0},               // already past
	}
	for _, tt := range tests {
		if got := RetryAfter(h(tt.value), now); got != tt.want {
			t.Errorf("Retry-After %q = %v, want %v", tt.value, got, tt.want)
		}
	}
	if Seconds(1500*time.Millisecond) != 2 || Seconds(0) != 0 {
		t.Errorf("Seconds rounds up")
	}
}
