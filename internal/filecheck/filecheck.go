// Package filecheck decides whether a file may be joined to a ticket: its
// type from its content (never from its name), its size against the
// limits, its SHA-256, and a name that is safe on every system. The client
// runs it before sending and the server again before storing.
package filecheck

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/ent-support/ent-support/internal/support"
)

// sniffLen is how much of a file is read to tell its type.
const sniffLen = 3072

// Result is what a check learnt of one file.
type Result struct {
	Name        string // sanitised
	ContentType string
	Size        int64
	SHA256      string
}

// Inspect reads r to its end: it tells the type from the first bytes,
// counts the size and hashes the whole. It stops reading as soon as the
// size goes over max (when max > 0) and then returns a RuleFileSize error.
func Inspect(name string, r io.Reader, max int64) (Result, *support.FieldError) {
	res := Result{Name: SanitizeName(name)}
	h := sha256.New()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return res, unreadable(res.Name, err)
	}
	head = head[:n]
	h.Write(head)
	limit := r
	if max > 0 {
		limit = io.LimitReader(r, max-int64(n)+1)
	}
	rest, err := io.Copy(h, limit)
	if err != nil {
		return res, unreadable(res.Name, err)
	}
	res.Size = int64(n) + rest
	if res.Size == 0 {
		return res, Empty(res.Name)
	}
	if max > 0 && res.Size > max {
		fe := TooBig(res.Name, res.Size, max)
		fe.Params["size_known"] = "false" // reading stopped just past the limit
		return res, fe
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	res.ContentType = Detect(head)
	if !Allowed(res.ContentType) {
		return res, &support.FieldError{Field: "attachments", Rule: support.RuleFileType,
			Params: map[string]string{"name": res.Name, "detected": res.ContentType}}
	}
	res.Name = MatchExtension(res.Name, res.ContentType)
	return res, nil
}

// extensions are the file name endings each allowed type may keep; the
// first is the one added to a name that has none of them.
var extensions = map[string][]string{
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg", ".jpe", ".jfif"},
	"image/gif":       {".gif"},
	"image/webp":      {".webp"},
	"application/pdf": {".pdf"},
	"text/plain":      {".txt", ".log", ".csv", ".tsv", ".json", ".ndjson"},
}

// MatchExtension makes a sanitised name end the way its content type
// does: "facture.pdf.bat" holding text becomes "facture.pdf.bat.txt", so
// that whoever downloads it opens text, not a program its name promised
// to the system. A name already ending right is kept as it is.
func MatchExtension(name, contentType string) string {
	exts := extensions[contentType]
	if len(exts) == 0 {
		return name
	}
	if slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		return name
	}
	ext := exts[0]
	if len(name)+len(ext) > maxNameBytes {
		cut := maxNameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	return name + ext
}

// TooBig is the error of a file over the per-file limit. size may be a
// lower bound when the reading stopped at the limit.
func TooBig(name string, size, max int64) *support.FieldError {
	return &support.FieldError{Field: "attachments", Rule: support.RuleFileSize,
		Params: map[string]string{"name": name, "size": strconv.FormatInt(size, 10), "max": strconv.FormatInt(max, 10)}}
}

// Empty is the error of an empty file.
func Empty(name string) *support.FieldError {
	return &support.FieldError{Field: "attachments", Rule: support.RuleFileEmpty,
		Params: map[string]string{"name": name}}
}

// TicketTooBig is the error of attachments over the per-ticket limit.
func TicketTooBig(total, max int64) *support.FieldError {
	return &support.FieldError{Field: "attachments", Rule: support.RuleTicketSize,
		Params: map[string]string{"size": strconv.FormatInt(total, 10), "max": strconv.FormatInt(max, 10)}}
}

// TooMany is the error of more files than a ticket may have.
func TooMany(max int) *support.FieldError {
	return &support.FieldError{Field: "attachments", Rule: support.RuleFileCount,
		Params: map[string]string{"max": fmt.Sprint(max)}}
}

func unreadable(name string, err error) *support.FieldError {
	return &support.FieldError{Field: "attachments", Rule: support.RuleFileUnreadable,
		Params: map[string]string{"name": name, "reason": err.Error()}}
}

// plainText are the types the detector tells apart within plain text by
// the look of the lines. A log often looks like one of them (Python's
// "10:00:01,123" makes CSV, structured logs make JSON lines): they are text
// that no browser runs, so they are attached as text/plain.
var plainText = map[string]bool{
	"text/csv": true, "text/tab-separated-values": true,
	"application/json": true, "application/x-ndjson": true,
}

// Detect returns the media type of content from its first bytes, without
// parameters ("text/plain", not "text/plain; charset=utf-8").
func Detect(head []byte) string {
	ct := mimetype.Detect(head).String()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	if plainText[ct] {
		return "text/plain"
	}
	return ct
}

// Allowed reports whether a detected media type may be attached. SVG is
// not: it can carry scripts. HTML is not text/plain either.
func Allowed(contentType string) bool {
	return slices.Contains(support.AllowedTypes, contentType)
}

// windowsReserved are names Windows refuses for a file, whatever the extension.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// DefaultName replaces a name that sanitising left empty.
const DefaultName = "piece-jointe"

// maxNameBytes keeps names within what every file system accepts.
const maxNameBytes = 200

// SanitizeName returns a file name safe to store, show and save on Linux,
// macOS and Windows: the last element of any path (/ or \), no control
// characters nor <>:"/\|?*, no leading dots (no hidden files, no ".."), no
// trailing dots or spaces, no reserved Windows device names, at most 200
// bytes with the extension kept.
func SanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), strings.ContainsRune(`<>:"/\|?*`, r),
			unicode.Is(unicode.Cf, r): // format characters: bidi overrides hide a real extension
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	// Dots and any white space (a no-break space before ".bashrc" too) are
	// trimmed together: trimming one then the other left a leading dot.
	s := strings.TrimFunc(b.String(), func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	if s == "" {
		return DefaultName
	}
	base := s
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if windowsReserved[strings.ToUpper(strings.TrimSpace(base))] {
		s = "_" + s
	}
	if len(s) > maxNameBytes {
		ext := path.Ext(s)
		if len(ext) > 20 {
			ext = ""
		}
		cut := maxNameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + ext
	}
	return s
}
