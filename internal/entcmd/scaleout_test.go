package entcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// Several server processes on one PostgreSQL database, as a load balancer
// spreads requests over them. Real processes of the real binary,
// a real PostgreSQL cluster on loopback.

// noCreateLimit turns off the per-person create limit (30/1h by default):
// these tests and benchmarks file hundreds of tickets as one admin.
var noCreateLimit = []string{"--create-limit", "off"}

// ticketJSON is a valid ticket body; subject makes it unique.
func ticketJSON(subject string) []byte {
	b, _ := json.Marshal(map[string]any{
		"reporter": map[string]string{"name": "Marie Curie", "function": "chef_etablissement",
			"phone": "06 39 98 12 34", "email": "marie.curie@example.org"},
		"establishment": map[string]string{"uai": "0421234N", "name": "Collège du Pilat", "city": "Bourg-Argental"},
		"subject":       subject,
		"population":    []string{"eleves"},
		"description":   "Depuis ce matin, la page du cahier de textes reste blanche.",
		"location":      "Accueil > Vie scolaire > Cahier de textes",
		"priority":      "majeure",
	})
	return b
}

// postTicket files a ticket over HTTP as the admin; it returns the status
// and the number (when 200 or 201).
func postTicket(server, subject, key string) (int, string, error) {
	return postTicketWith(http.DefaultClient, server, subject, key)
}

func postTicketWith(c *http.Client, server, subject, key string) (int, string, error) {
	req, _ := http.NewRequest("POST", server+"/api/v1/tickets", bytes.NewReader(ticketJSON(subject)))
	req.Header.Set("Authorization", "Bearer "+bootstrapToken)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		return resp.StatusCode, "", nil
	}
	var t struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return resp.StatusCode, "", fmt.Errorf("%s: %w", body, err)
	}
	return resp.StatusCode, t.Number, nil
}

func seqOf(t *testing.T, number string) int {
	t.Helper()
	_, s, _ := strings.Cut(number, "-")
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("number %q", number)
	}
	return n
}

func TestTwoProcessesPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := newServerProcOn(t, dsn, noCreateLimit...)
	b := newServerProcOn(t, dsn, noCreateLimit...)
	servers := []string{a.url(), b.url()}
	for _, s := range servers {
		if code, err := statusOf(s + "/readyz"); code != 200 {
			t.Fatalf("%s/readyz: %d %v, want 200", s, code, err)
		}
	}

	t.Run("200CreatesGapless", func(t *testing.T) {
		const n = 200
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, num, err := postTicket(servers[i%2], fmt.Sprintf("Création %d", i), "")
				if err != nil || code != 201 {
					t.Errorf("create %d: %d %v", i, code, err)
				}
				numbers[i] = num
			}()
		}
		wg.Wait()
		seen := map[int]bool{}
		for _, num := range numbers {
			if num == "" {
				continue
			}
			s := seqOf(t, num)
			if seen[s] {
				t.Errorf("%s given twice", num)
			}
			seen[s] = true
		}
		for s := 1; s <= n; s++ {
			if !seen[s] {
				t.Errorf("number %d missing: not gapless", s)
			}
		}
	})

	t.Run("SameKeyToBoth", func(t *testing.T) {
		for round := range 10 {
			key := fmt.Sprintf("deux-processus-%d", round)
			var codes [2]int
			var nums [2]string
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range servers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					codes[i], nums[i], err = postTicket(s, "Une seule fois", key)
					if err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if nums[0] == "" || nums[0] != nums[1] {
				t.Fatalf("round %d: numbers %q and %q for one key", round, nums[0], nums[1])
			}
			if codes[0]+codes[1] != 401 { // one 201, one 200
				t.Fatalf("round %d: statuses %v, want one 201 and one 200", round, codes)
			}
		}
		got := tickets(t, a.url())
		n := 0
		for _, subject := range got {
			if subject == "Une seule fois" {
				n++
			}
		}
		if n != 10 {
			t.Errorf("%d tickets for 10 keys", n)
		}
	})

	t.Run("FollowSeesOtherProcess", func(t *testing.T) {
		onA := newClient(t, a.url())
		onB := newClient(t, b.url())
		num, f := fileAndFollow(t, onA, "Suivi sur deux processus")
		// Each change is made on B; follow reads from A.
		mustRun(t, onB, "assign", num)
		mustRun(t, onB, "reply", num, "--message", "Réponse faite sur l'autre processus")
		mustRun(t, onB, "status", num, "resolu")
		lines, code := f.rest(t)
		if code != 0 {
			t.Errorf("follow exit %d, want 0", code)
		}
		text := strings.Join(lines, "\n")
		for _, w := range []string{"confié à", "nouveau → en_cours", "« Réponse faite sur l'autre processus »", "en_cours → resolu"} {
			if !strings.Contains(text, w) {
				t.Errorf("follow on A missed %q made on B:\n%s", w, text)
			}
		}
	})
}

// PostgreSQL restarts while clients file tickets through two server
// processes: requests during the outage get 503 problem+json (the client
// keeps its ticket in the outbox, exit 5), the servers serve again on
// their own once the database is back, and every ticket a client was told
// about is there, once; those kept in outboxes are filed once by `outbox
// send`.
func TestPostgresRestartUnderLoad(t *testing.T) {
	c := pgtest.StartPrivate(t)
	dsn := c.NewDatabase(t)
	a := newServerProcOn(t, dsn, noCreateLimit...)
	b := newServerProcOn(t, dsn, noCreateLimit...)
	pids := []int{a.pid(), b.pid()}
	// Short client timeouts and retries: the outage is about a second.
	const clients = 4
	var cls []*client
	for i := range clients {
		cl := newClient(t, []string{a.url(), b.url()}[i%2])
		cl.env = []string{"ENT_SUPPORT_TIMEOUT=5s"}
		cls = append(cls, cl)
	}

	var (
		mu       sync.Mutex
		subjects []string
		printed  []string
		kept     atomic.Int32
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	for i, cl := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; !stop.Load(); j++ {
				subject := fmt.Sprintf("Charge %d-%d", i, j)
				num := cl.file(subject)
				mu.Lock()
				subjects = append(subjects, subject)
				if num != "" {
					printed = append(printed, num)
				} else {
					kept.Add(1)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(2 * time.Second)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// While the database is down, the servers say they are not ready, in
	// problem+json; they stay alive.
	resp, err := http.Get(a.url() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ct := resp.Header.Get("Content-Type")
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("/readyz while PostgreSQL is down: %d %s, want 503 problem+json", resp.StatusCode, ct)
	}
	if code, _, err := postTicket(b.url(), "Pendant la panne", ""); err != nil || code != 503 {
		t.Errorf("create while PostgreSQL is down: %d %v, want 503", code, err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	stop.Store(true)
	wg.Wait()

	// The same server processes serve again.
	if got := []int{a.pid(), b.pid()}; got[0] != pids[0] || got[1] != pids[1] {
		t.Errorf("server processes %v, want the same %v", got, pids)
	}
	for _, s := range []string{a.url(), b.url()} {
		if code, err := statusOf(s + "/readyz"); code != 200 {
			t.Errorf("%s/readyz after the restart: %d %v", s, code, err)
		}
	}
	for _, cl := range cls {
		printed = append(printed, cl.flush()...)
	}
	t.Logf("%d tickets, %d kept in an outbox during the outage", len(subjects), kept.Load())
	if len(subjects) < 8 {
		t.Fatalf("only %d tickets filed: no load", len(subjects))
	}
	checkExactlyOnce(t, a.url(), subjects, printed)
}

// follow on one process while PostgreSQL restarts: the stream breaks or
// stays quiet, the server's change feed reconnects, and a reply made on
// the other process after the restart still reaches follow, once.
func TestFollowAcrossPostgresRestart(t *testing.T) {
	c := pgtest.StartPrivate(t)
	dsn := c.NewDatabase(t)
	a := newServerProcOn(t, dsn, noCreateLimit...)
	b := newServerProcOn(t, dsn, noCreateLimit...)
	onA, onB := newClient(t, a.url()), newClient(t, b.url())
	num, f := fileAndFollow(t, onA, "Suivi pendant un redémarrage de PostgreSQL")
	mustRun(t, onB, "assign", num)
	for range 2 { // assignee, then status
		f.next(t)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// The servers serve again on their own; a command may meet a pooled
	// connection the restart broke, and says so with exit 5.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, errs := onB.run("reply", num, "--message", "Après le redémarrage de la base")
		if code == 0 {
			break
		}
		if code != 5 || time.Now().After(deadline) {
			t.Fatalf("reply after the restart: exit %d\n%s", code, errs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	mustRun(t, onB, "status", num, "resolu")
	lines, code := f.rest(t)
	if code != 0 {
		t.Errorf("follow exit %d, want 0", code)
	}
	text := strings.Join(lines, "\n")
	if strings.Count(text, "« Après le redémarrage de la base »") != 1 || !strings.Contains(text, "en_cours → resolu") {
		t.Errorf("follow across the restart printed:\n%s", text)
	}
}

// fileAndFollow files a ticket through c and starts `follow` on it, past
// its creation line.
func fileAndFollow(t *testing.T, c *client, subject string) (string, *followProc) {
	t.Helper()
	num := c.file(subject)
	if num == "" {
		t.Fatal("no number")
	}
	f := c.follow(num)
	if l := f.next(t); !strings.Contains(l, "ticket créé") {
		t.Fatalf("first line = %q", l)
	}
	return num, f
}
