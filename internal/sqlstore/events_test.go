package sqlstore

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/google/go-cmp/cmp"
)

// The events migration backfills the changes made before it, in the order
// and shape the store writes them: a database migrated from version 2
// reads the same events as one that had the table all along.
func TestEventsMigrationBackfills(t *testing.T) {
	ctx := context.Background()
	db, file := openTest(t, Options{})
	tk := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1"},
		TicketInput: support.TicketInput{Subject: "Cahier de textes vide", Priority: support.Mineure,
			Reporter: support.Reporter{Name: "Anne", Email: "anne@example.fr"}}}}
	if _, err := db.CreateTicket(ctx, tk, nil); err != nil {
		t.Fatal(err)
	}
	c := &support.Comment{Author: "Paul <paul@example.fr>", Role: support.RoleAgent, Body: "Voir l'aide"}
	if err := db.AddComment(ctx, tk.Number, c, []support.FileData{{
		Attachment: support.Attachment{Name: "aide.txt", ContentType: "text/plain", Size: 1,
			SHA256: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"},
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }}}, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.ChangeTicket(ctx, tk.Number, "Paul <paul@example.fr>", "Corrigé", []support.TicketChange{
		{Field: support.FieldPriority, From: "mineure", To: "majeure"},
		{Field: support.FieldStatus, From: "nouveau", To: "en_cours"}}); err != nil {
		t.Fatal(err)
	}
	want, err := db.Events(ctx, tk.Number, 0, 0)
	if err != nil || len(want) != 4 {
		t.Fatalf("events = %v, %v", want, err)
	}
	// Back to version 2, then open again: migration 3 runs on the data
	// (and the later ones after it).
	for _, q := range []string{`DROP INDEX tickets_updated`, `DROP TABLE mail_messages`, `DROP TABLE mail_pending`, `ALTER TABLE tickets DROP COLUMN filed_by`, `ALTER TABLE users DROP COLUMN disabled_by`, `DROP TABLE audit`, `ALTER TABLE users DROP COLUMN token_expires_at`, `DROP TABLE mail_deliveries`, `DROP TABLE mail_cursor`, `DROP TABLE server_secrets`,
		`ALTER TABLE users DROP COLUMN lang`, `DROP TABLE events`, `DELETE FROM schema_migrations WHERE version >= 3`} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db2, err := Open(ctx, "sqlite:"+file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	got, err := db2.Events(ctx, tk.Number, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backfilled events (-written +backfilled):\n%s", diff)
	}
}
