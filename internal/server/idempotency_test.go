package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// answer is one HTTP answer, read whole.
type answer struct {
	status      int
	contentType string
	body        []byte
}

// do sends one request as the bench admin and reads the whole answer.
func do(t testing.TB, c *http.Client, method, url string, body []byte, header map[string]string) (answer, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+benchAdmin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), b}, err
}

// listNumbers returns the numbers of every ticket the admin sees.
func listNumbers(t *testing.T, c *http.Client, base string) []string {
	t.Helper()
	a, err := do(t, c, "GET", base+"/api/v1/tickets?limit=100", nil, nil)
	if err != nil || a.status != http.StatusOK {
		t.Fatalf("list: %v %d %s", err, a.status, a.body)
	}
	var page struct {
		Tickets []struct {
			Number string `json:"number"`
		} `json:"tickets"`
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(a.body, &page); err != nil {
		t.Fatalf("list: %v\n%s", err, a.body)
	}
	if page.NextCursor != "" {
		t.Fatalf("list: more than one page")
	}
	var ns []string
	for _, tk := range page.Tickets {
		ns = append(ns, tk.Number)
	}
	return ns
}

// problemBody is the part of a problem+json answer the tests look at.
type problemBody struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Rule    string `json:"rule"`
		Message string `json:"message"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, a answer) problemBody {
	t.Helper()
	if !strings.HasPrefix(a.contentType, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", a.contentType)
	}
	var p problemBody
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("problem: %v\n%s", err, a.body)
	}
	if p.Status != a.status {
		t.Errorf("problem status %d, HTTP status %d", p.Status, a.status)
	}
	return p
}

// Twenty clients send the same create with the same Idempotency-Key at
// once: one ticket exists, every answer carries its number, one answer is
// 201 and the nineteen others 200. The same key with another body is then
// refused with 422, saying in French that the key was already used.
func TestIdempotencyKeyConcurrentReplays(t *testing.T) {
	s := start(t, Options{BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1"})
	c := benchClient()
	// Runs before the server's shutdown: connections dialed by the burst
	// but never used would otherwise hold Shutdown for its whole grace.
	t.Cleanup(c.CloseIdleConnections)
	body, err := json.Marshal(benchTicket(1))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	const key = "cli-20-concurrent-replays-0001"
	answers := make([]answer, n)
	errs := make([]error, n)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			answers[i], errs[i] = do(t, c, "POST", s.URL()+"/api/v1/tickets", body, map[string]string{"Idempotency-Key": key})
		}()
	}
	close(ready)
	wg.Wait()

	count := map[int]int{}
	numbers := map[string]int{}
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		count[a.status]++
		var tk struct {
			Number string `json:"number"`
		}
		if err := json.Unmarshal(a.body, &tk); err != nil || tk.Number == "" {
			t.Errorf("request %d: %d %s: no number", i, a.status, a.body)
			continue
		}
		numbers[tk.Number]++
	}
	if count[http.StatusCreated] != 1 || count[http.StatusOK] != n-1 {
		t.Errorf("statuses %v, want one 201 and %d 200", count, n-1)
	}
	if len(numbers) != 1 {
		t.Errorf("numbers answered %v, want a single one", numbers)
	}
	got := listNumbers(t, c, s.URL())
	if len(got) != 1 {
		t.Fatalf("tickets on the server %v, want exactly one", got)
	}
	if numbers[got[0]] != n {
		t.Errorf("the ticket is %s, the answers said %v", got[0], numbers)
	}

	// A later replay still gives the same ticket, with 200.
	a, err := do(t, c, "POST", s.URL()+"/api/v1/tickets", body, map[string]string{"Idempotency-Key": key})
	if err != nil || a.status != http.StatusOK || !bytes.Contains(a.body, []byte(`"`+got[0]+`"`)) {
		t.Errorf("later replay: %v %d %s", err, a.status, a.body)
	}

	// The same key with another body: 422, in French by default.
	other, _ := json.Marshal(benchTicket(2))
	a, err = do(t, c, "POST", s.URL()+"/api/v1/tickets", other, map[string]string{"Idempotency-Key": key})
	if err != nil {
		t.Fatal(err)
	}
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body: %d %s, want 422", a.status, a.body)
	}
	p := decodeProblem(t, a)
	if !strings.Contains(p.Detail, "clé d'idempotence a déjà servi") {
		t.Errorf("detail %q does not say (in French) that the key was already used", p.Detail)
	}
	// And in English when asked.
	a, err = do(t, c, "POST", s.URL()+"/api/v1/tickets", other, map[string]string{"Idempotency-Key": key, "Accept-Language": "en"})
	if err != nil || a.status != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body, English: %v %d %s", err, a.status, a.body)
	}
	if p := decodeProblem(t, a); !strings.Contains(p.Detail, "already used") {
		t.Errorf("English detail %q does not say the key was already used", p.Detail)
	}

	if got := listNumbers(t, c, s.URL()); len(got) != 1 {
		t.Errorf("after the refused reuse: tickets %v, want still one", got)
	}
}
