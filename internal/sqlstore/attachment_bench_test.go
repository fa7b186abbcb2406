package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// BenchmarkOpenAttachment10MiB reads a 10 MiB file from SQLite the way a
// download does (by chunks, "chunked"), beside one query for the whole
// value ("whole", what downloads did before): SQLite's substr loads the
// value to cut it, so the chunked read costs several whole reads, the
// price of never holding the file in memory.
func BenchmarkOpenAttachment10MiB(b *testing.B) {
	db, _ := openTest(b, Options{})
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 10<<20/16)
	sum := sha256.Sum256(data)
	tk := storetestTicket()
	if _, err := db.CreateTicket(ctx, tk, []support.FileData{{
		Attachment: support.Attachment{Name: "journal.txt", ContentType: "text/plain", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])},
		Open:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}); err != nil {
		b.Fatal(err)
	}
	got, err := db.GetTicket(ctx, tk.Number)
	if err != nil {
		b.Fatal(err)
	}
	id := got.Attachments[0].ID
	b.Run("chunked", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			_, rc, err := db.OpenAttachment(ctx, tk.Number, id)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, rc); err != nil || n != int64(len(data)) {
				b.Fatalf("read %d, %v", n, err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			var v []byte
			if err := db.blobs.QueryRowContext(ctx, `SELECT data FROM attachments WHERE id = ?`, id).Scan(&v); err != nil || len(v) != len(data) {
				b.Fatalf("read %d, %v", len(v), err)
			}
		}
	})
}
