package server

import (
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

// pgBenchTickets is how many tickets BenchmarkPostgresList1M seeds; with
// -short (the smoke run of .ci/bench), 10,000: it checks the benchmark
// runs, not the figure.
func pgBenchTickets() int {
	if testing.Short() {
		return 10_000
	}
	return 1_000_000
}

// seedPostgres fills a migrated database with n tickets in bulk (one
// statement per table: through the API a million creates would take
// longer than the benchmark): 1,000 establishments, the three priorities
// (10 % bloquante), the five statuses, over 11.6 days (a million tickets:
// one a second; the filter on "since" keeps some), each with its history
// entry and its event, then ANALYZE, as an operator's database would have
// statistics.
func seedPostgres(b *testing.B, dsn string, n int) {
	b.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	step := int64(1_000_000) * 1_000_000 / int64(n) // µs: a million tickets one a second, fewer over the same 11.6 days
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO tickets (prefix, seq, reporter_name, reporter_function, reporter_phone, reporter_email,
			uai, establishment_name, establishment_city, subject, population, description, location,
			priority, priority_rank, status, created_at, updated_at, created_by)
		SELECT 'CG42N1', g, 'Marie Curie', 'chef_etablissement', '+33639981234', 'marie.curie@example.org',
			u.uai, 'Collège ' || g %% 1000, 'Saint-Étienne', 'Cahier de textes vide (' || g || ')', 'eleves,enseignants',
			'Depuis ce matin, la page du cahier de textes reste blanche pour tous les élèves de 5e.',
			'Accueil > Vie scolaire > Cahier de textes',
			(ARRAY['bloquante','majeure','majeure','majeure','mineure','mineure','mineure','mineure','mineure','mineure'])[g %% 10 + 1],
			(ARRAY[0,1,1,1,2,2,2,2,2,2])[g %% 10 + 1],
			(ARRAY['nouveau','en_cours','en_attente','resolu','clos'])[g %% 5 + 1],
			%d + g * %d::bigint, %d + g * %d::bigint, 1 + g %% 500
		FROM generate_series(1, %d) AS g,
			LATERAL (SELECT d || substr('ABCDEFGHJKLMNPRSTUVWXYZ', d::int %% 23 + 1, 1) AS uai
				FROM (SELECT '042' || lpad((g %% 1000)::text, 4, '0') AS d) AS x) AS u`, base, step, base, step, n),
		`INSERT INTO history (ticket_id, at, actor, to_status) SELECT id, created_at, 'Marie Curie <marie.curie@example.org>', 'nouveau' FROM tickets`,
		`INSERT INTO events (ticket_id, at, kind, actor, payload)
			SELECT id, created_at, 'created', 'Marie Curie <marie.curie@example.org>', '{"to":"nouveau"}' FROM tickets`,
		fmt.Sprintf(`INSERT INTO counters (prefix, last) VALUES ('CG42N1', %d)`, n),
		`VACUUM ANALYZE`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	b.Logf("seeded %d tickets in %s", n, time.Since(start).Round(time.Millisecond))
}

// listQueries are the first pages BenchmarkPostgresList1M measures.
var listQueries = []string{"", "?status=nouveau", "?priority=bloquante", "?sort=priority",
	"?uai=0420042" + string(support.UAIKey("0420042")) + "&since=2024-01-05", "?uai=0420042" + string(support.UAIKey("0420042")) + "&sort=priority"}

// BenchmarkPostgresList1M measures, over HTTP, one client at a time, the
// first page of `list` for the common filters and `show` of a random
// ticket, with a million tickets in PostgreSQL. It then logs the plan of
// every query those requests ran (auto_explain, on a second server whose
// connections load it), for docs/benchmarks.md.
func BenchmarkPostgresList1M(b *testing.B) {
	c := pgtest.Start(b)
	dsn := c.NewDatabase(b)
	s := start(b, Options{Database: dsn, BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1"})
	seedPostgres(b, dsn, pgBenchTickets())
	client := benchClient()
	get := func(base, path string, min int64) error {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+benchAdmin)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < min {
			return fmt.Errorf("GET %s: status %d, %d bytes", path, resp.StatusCode, n)
		}
		return nil
	}
	for _, q := range listQueries {
		b.Run("list="+q, func(b *testing.B) {
			lat, wall := runClients(b, 1, b.N, func(int) error { return get(s.URL(), "/api/v1/tickets"+q, 1000) })
			report(b, lat, wall, "lists")
		})
	}
	b.Run("show", func(b *testing.B) {
		lat, wall := runClients(b, 1, b.N, func(int) error {
			return get(s.URL(), fmt.Sprintf("/api/v1/tickets/CG42N1-%d", 1+rand.IntN(pgBenchTickets())), 500)
		})
		report(b, lat, wall, "shows")
	})

	// The plans, from the same database: a server whose sessions log the
	// plan of every statement.
	if c.ServerLog() == "" {
		return
	}
	explain := start(b, Options{Database: dsn + "&session_preload_libraries=auto_explain&auto_explain.log_min_duration=0",
		BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1"})
	mark := len(c.ServerLog())
	for _, q := range listQueries {
		if err := get(explain.URL(), "/api/v1/tickets"+q, 1000); err != nil {
			b.Fatal(err)
		}
	}
	if err := get(explain.URL(), fmt.Sprintf("/api/v1/tickets/CG42N1-%d", pgBenchTickets()*424242/1_000_000), 500); err != nil {
		b.Fatal(err)
	}
	plans := regexp.MustCompile(`(?s)LOG:  duration: [^\n]*plan:\n(.*?)(?:\n\S|\z)`).FindAllStringSubmatch(c.ServerLog()[mark:], -1)
	var out strings.Builder
	for _, p := range plans {
		if strings.Contains(p[1], "FROM tickets") || strings.Contains(p[1], "FROM history") ||
			strings.Contains(p[1], "FROM comments") || strings.Contains(p[1], "FROM attachments") {
			out.WriteString(p[1] + "\n\n")
		}
	}
	b.Logf("plans:\n%s", out.String())
}
