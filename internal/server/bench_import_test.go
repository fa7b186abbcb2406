package server

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/directory/directorytest"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// BenchmarkImport60k imports the national directory's export (60,000
// lines) over HTTP into a new server, as `ent-support admin establishment
// import` does: on SQLite (WAL, synchronous=FULL) and on PostgreSQL
// (fsync and synchronous_commit on). "first" is the import into an empty
// directory, "again" the same file once more (every line unchanged).
// One iteration is one whole import; run with -benchtime=1x. With -short
// (the smoke run of .ci/bench), 2,000 lines.
func BenchmarkImport60k(b *testing.B) {
	lines := nationalExportLines
	if testing.Short() {
		lines = 2_000
	}
	x := directorytest.NationalExport(lines)
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var first, again time.Duration
			for range b.N {
				b.StopTimer()
				o := Options{BootstrapToken: benchAdmin, Prefix: "CG42N1"}
				if db == "postgres" {
					o.Database = pgtest.StartDurable(b).NewDatabase(b)
				}
				s := start(b, o)
				admin, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: benchAdmin})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i, d := range []*time.Duration{&first, &again} {
					t0 := time.Now()
					rep, err := admin.ImportEstablishments(context.Background(), bytes.NewReader(x.CSV))
					*d += time.Since(t0)
					if err != nil {
						b.Fatal(err)
					}
					if want := [2]int{x.Valid, 0}[i]; rep.Added != want || rep.Refused != x.Refused {
						b.Fatalf("import %d: %d added, %d refused; want %d, %d", i+1, rep.Added, rep.Refused, want, x.Refused)
					}
				}
			}
			b.ReportMetric(first.Seconds()/float64(b.N), "first_s")
			b.ReportMetric(again.Seconds()/float64(b.N), "again_s")
			b.ReportMetric(float64(lines*b.N)/first.Seconds(), "lines/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
