package httpclient_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/redmine"
	"github.com/ent-support/ent-support/internal/rt"
	"github.com/ent-support/ent-support/internal/support"
)

// TestNoClientFollowsARedirectElsewhere: our server's client (resty and
// its streamed calls), the RT client and the Redmine client all refuse a
// 307 to another port, and one from https down to http, with an error
// that says so; the redirect's target never sees a request, so no
// credential header (Authorization, RT's "token", X-Redmine-API-Key)
// reaches it.
func TestNoClientFollowsARedirectElsewhere(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string // what reached the target
	)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization")+
			" X-Redmine-API-Key="+r.Header.Get("X-Redmine-API-Key"))
		mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(target.Close)
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	plain := httptest.NewServer(redirect)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(redirect)
	t.Cleanup(tlsSrv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	n, _ := support.ParseNumber("7")
	calls := map[string]func(base string) error{
		"native": func(base string) error {
			c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: base, Token: "native-secret", CAFile: ca})
			if err != nil {
				return err
			}
			_, err = c.Me(context.Background())
			return err
		},
		"native-stream": func(base string) error {
			c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: base, Token: "native-secret", CAFile: ca})
			if err != nil {
				return err
			}
			_, _, err = c.OpenAttachment(context.Background(), n, 1)
			return err
		},
		// A follower waits out an unreachable server, not a refused
		// redirect: it ends at once with the refusal.
		"native-follow": func(base string) error {
			c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: base, Token: "native-secret", CAFile: ca})
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return c.Follow(ctx, n, 0, func(support.Event) error { return nil })
		},
		"rt-follow": func(base string) error {
			c, err := rt.New(rt.Config{BaseURL: base, Token: "1-14-rt-secret", Queue: "Q", CAFile: ca})
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return c.Follow(ctx, n, 0, func(support.Event) error { return nil })
		},
		"rt": func(base string) error {
			c, err := rt.New(rt.Config{BaseURL: base, Token: "1-14-rt-secret", Queue: "Q", CAFile: ca})
			if err != nil {
				return err
			}
			_, err = c.GetTicket(context.Background(), n)
			return err
		},
		"redmine": func(base string) error {
			c, err := redmine.New(redmine.Config{BaseURL: base, Key: "redmine-secret", Project: "p", CAFile: ca})
			if err != nil {
				return err
			}
			_, err = c.GetTicket(context.Background(), n)
			return err
		},
	}
	origins := []struct{ name, url, key string }{
		{"other port", plain.URL, "error.redirect_other_origin"},
		{"https to http", tlsSrv.URL, "error.redirect_downgrade"},
	}
	for name, call := range calls {
		for _, o := range origins {
			err := call(o.url)
			se := support.AsError(err)
			if se == nil || se.Key != o.key || se.Code != support.EUNAVAILABLE ||
				!strings.HasPrefix(se.Params["target"], target.URL) {
				t.Errorf("%s, %s: %#v, want %s naming the target", name, o.name, err, o.key)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("the redirect target was reached: %q", seen)
	}
}
