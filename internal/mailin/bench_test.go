package mailin

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkParse parses a message with two screenshots attached, at 1, 5
// and 20 MiB. Memory is flat when B/op does not grow with the message:
// files go to temporary files past 64 KiB, bodies are bounded.
func BenchmarkParse(b *testing.B) {
	for _, size := range []int{1 << 20, 5 << 20, 20 << 20} {
		raw := bigMessage(size)
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			dir := b.TempDir()
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := Parse(bytes.NewReader(raw), Options{MaxSize: 30 << 20, TempDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				if len(m.Files) != 2 || m.Request().Name == "" {
					b.Fatalf("files %d, request %+v", len(m.Files), m.Request())
				}
				if err := m.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
