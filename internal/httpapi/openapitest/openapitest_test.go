package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that answers what the document says passes; one whose status,
// Content-Type or body differs is caught, through the Transport and
// through the Proxy alike.
func TestValidatorCatchesDrift(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]struct {
		status      int
		contentType string
		body        string
		violation   string // a word the violation must contain, "" for none
	}{
		"/healthz":              {200, "application/json", `{"status":"ok"}`, ""},
		"/readyz":               {200, "application/json", `{"status":"bad"}`, "/readyz"},
		"/api/v1/info?x=status": {418, "application/json", `{}`, "418"},
		"/api/v1/info?x=type":   {200, "text/plain", `hello`, "text/plain"},
		"/api/v1/not-a-route":   {404, "application/problem+json", `{}`, "not-a-route"},
		"/t/a-page-for-people":  {200, "text/html", `<p>`, ""},
		"/api/v1/openapi.json":  {200, "application/json", `{}`, ""},
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.RequestURI()]
		w.Header().Set("Content-Type", a.contentType)
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	defer backend.Close()
	proxy, err := NewProxy(v, backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	for _, via := range []string{"transport", "proxy"} {
		c, base := &http.Client{Transport: v.Transport(nil)}, backend.URL
		if via == "proxy" {
			c, base = http.DefaultClient, "http://"+proxy.Addr
		}
		for uri, a := range answers {
			resp, err := c.Get(base + uri)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != a.body || resp.StatusCode != a.status {
				t.Errorf("%s %s: the answer was changed: %d %q", via, uri, resp.StatusCode, body)
			}
			var found []string
			if via == "proxy" {
				found = proxy.Violations()
				proxy.mu.Lock()
				proxy.violations = nil
				proxy.mu.Unlock()
			} else {
				found = v.Violations()
			}
			switch {
			case a.violation == "" && len(found) > 0:
				t.Errorf("%s %s: violations of a valid answer: %v", via, uri, found)
			case a.violation != "" && (len(found) != 1 || !strings.Contains(found[0], a.violation)):
				t.Errorf("%s %s: want one violation naming %q, got %v", via, uri, a.violation, found)
			}
		}
	}
}
