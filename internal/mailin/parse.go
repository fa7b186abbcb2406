package mailin

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

const (
	// memFileMax is the size up to which a file stays in memory; past it,
	// it goes to a temporary file. Small enough that many files don't add
	// up, large enough that a usual screenshot of a dialog stays in memory.
	memFileMax = 64 << 10
	// maxText bounds each text or HTML body read; the rest is skipped. A
	// description is at most 20 000 characters: 1 MiB is plenty.
	maxText = 1 << 20
	// maxDepth bounds nested multiparts (a crafted message could nest them
	// thousands deep).
	maxDepth = 16
	// maxParts bounds the number of parts looked at.
	maxParts = 500
	// tinyImage is the size under which an inline image is taken for a
	// signature logo, not a screenshot.
	tinyImage = 4 << 10
)

var charsetOnce sync.Once

// setupCharsets makes ISO-8859-1 decode as windows-1252, as browsers do:
// Outlook labels text ISO-8859-1 that holds windows-1252's ’ “ ” € œ
// (0x80-0x9F are control characters in Latin-1, never meant in mail).
func setupCharsets() {
	charsetOnce.Do(func() {
		for _, name := range []string{"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"} {
			charset.RegisterEncoding(name, charmap.Windows1252)
		}
	})
}

// Parse reads a raw message. An mbox "From " first line, as Postfix's pipe
// gives, is skipped (its sender is the envelope sender when there is no
// Return-Path). Parts are streamed: bodies are read up to 1 MiB each, files
// stay in memory up to 64 KiB and go to temporary files past that (call
// Message.Close to remove them), so memory does not grow with the message.
// Errors: ErrTooLarge (over o.MaxSize), ErrNotMail (wrapped), or the
// reader's own error.
func Parse(r io.Reader, o Options) (*Message, error) {
	setupCharsets()
	br := bufio.NewReaderSize(r, 4096)
	envelope, err := skipMboxLine(br)
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: br, max: o.MaxSize, h: sha256.New()}
	m := &Message{}
	if err := m.read(cr, o); err != nil {
		m.Close()
		if cr.over {
			return nil, ErrTooLarge
		}
		return nil, err
	}
	// Whatever follows the last part (an epilogue, junk) counts for the
	// size, the limit and the hash.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		m.Close()
		if cr.over {
			return nil, ErrTooLarge
		}
		return nil, err
	}
	m.Size = cr.n
	m.Hash = hex.EncodeToString(cr.h.Sum(nil))
	if m.ReturnPath == "" && envelope != "" {
		m.ReturnPath = envelope
	}
	return m, nil
}

// skipMboxLine skips a first line "From sender date" and returns the
// sender ("<>" for MAILER-DAEMON, the null sender).
func skipMboxLine(br *bufio.Reader) (string, error) {
	head, err := br.Peek(5)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", err
	}
	if string(head) != "From " {
		return "", nil
	}
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line) < 1024 {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		break
	}
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return "", nil
	}
	if strings.EqualFold(f[1], "MAILER-DAEMON") {
		return "<>", nil
	}
	return strings.ToLower(strings.Trim(f[1], "<>")), nil
}

// countingReader counts and hashes what is read, and fails past max.
type countingReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	max  int64
	over bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, ErrTooLarge
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if c.max > 0 && c.n > c.max {
		c.over = true
		return n, ErrTooLarge
	}
	return n, err
}

// mandatoryish are fields one of which every message has.
var mandatoryish = []string{"From", "Sender", "Date", "Message-Id", "Subject", "To", "Return-Path", "Received"}

func (m *Message) read(r io.Reader, o Options) error {
	e, err := message.Read(r)
	if err != nil && e == nil {
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge
		}
		return fmt.Errorf("%w: %v", ErrNotMail, err)
	}
	known := false
	for _, k := range mandatoryish {
		if e.Header.Has(k) {
			known = true
			break
		}
	}
	if !known {
		return fmt.Errorf("%w: no From, Date or Subject field", ErrNotMail)
	}
	m.header = e.Header
	m.readHeader()

	w := walker{o: o, m: m, buf: make([]byte, 32<<10)}
	b, err := w.walk(e, 0, err)
	if err != nil {
		return err
	}
	m.Text = b.text
	return nil
}

func (m *Message) readHeader() {
	h := mail.Header{Header: m.header}
	m.MessageID = firstID(m.header.Get("Message-Id"))
	seen := map[string]bool{}
	for _, k := range []string{"In-Reply-To", "References"} {
		for _, id := range msgIDs(m.header.Get(k)) {
			if !seen[id] {
				seen[id] = true
				m.InReplyTo = append(m.InReplyTo, id)
			}
		}
	}
	m.Subject = cleanLine(m.Header("Subject"))
	m.From = address(h, "From")
	if m.From.Email == "" {
		m.From = address(h, "Sender")
	}
	m.ReplyTo = address(h, "Reply-To")
	if rp := strings.TrimSpace(m.header.Get("Return-Path")); rp != "" {
		if a := strings.TrimSpace(strings.Trim(rp, "<> \t")); a == "" {
			m.ReturnPath = "<>"
		} else {
			m.ReturnPath = strings.ToLower(a)
		}
	}
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
}

var msgIDRe = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs reads a list of message ids, tolerant of the forms found in the
// wild (missing angle brackets, comments, commas).
func msgIDs(v string) []string {
	var ids []string
	if ms := msgIDRe.FindAllStringSubmatch(v, -1); ms != nil {
		for _, mm := range ms {
			ids = append(ids, mm[1])
		}
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
		if strings.Contains(f, "@") {
			ids = append(ids, f)
		}
	}
	return ids
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

var emailRe = regexp.MustCompile(`[^\s<>"(),;:]+@[^\s<>"(),;:]+`)

// address reads the first address of field k; a field the strict parser
// refuses still gives its e-mail address when one is recognisable.
func address(h mail.Header, k string) Address {
	raw := h.Get(k)
	if raw == "" {
		return Address{}
	}
	if l, err := h.AddressList(k); err == nil && len(l) > 0 {
		return Address{Name: cleanLine(l[0].Name), Email: strings.ToLower(l[0].Address)}
	}
	dec, err := h.Text(k)
	if err != nil {
		dec = raw
	}
	a := Address{Email: strings.ToLower(emailRe.FindString(dec))}
	if i := strings.IndexByte(dec, '<'); i > 0 {
		a.Name = cleanLine(strings.Trim(strings.TrimSpace(dec[:i]), `"`))
	}
	return a
}

// cleanLine makes a header value one line of printable text.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// body is the text found in a part tree.
type body struct {
	text  string
	plain bool // it came from text/plain (preferred in alternatives)
}

type walker struct {
	o      Options
	m      *Message
	buf    []byte
	parts  int
	images int
	files  int
}

// walk reads entity e (whose creation gave err, an unknown charset or
// encoding, which still leaves it readable) and returns its text.
func (w *walker) walk(e *message.Entity, depth int, err error) (body, error) {
	w.parts++
	mediaType, params, _ := e.Header.ContentType()
	mediaType = strings.ToLower(mediaType)
	if mr := e.MultipartReader(); mr != nil && depth < maxDepth && params["boundary"] != "" {
		var parts []body
		for w.parts < maxParts {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil && p == nil {
				if errors.Is(err, ErrTooLarge) {
					return body{}, err
				}
				// A broken part ends what can be read of this multipart;
				// keep what was read.
				break
			}
			b, err := w.walk(p, depth+1, err)
			if err != nil {
				return body{}, err
			}
			parts = append(parts, b)
		}
		return combine(mediaType, parts), nil
	}
	return w.leaf(e, mediaType, params, err)
}

// combine joins the texts of a multipart's parts: the plain one of an
// alternative, else each part's text in order.
func combine(mediaType string, parts []body) body {
	if mediaType == "multipart/alternative" {
		var best body
		for _, p := range parts {
			if strings.TrimSpace(p.text) == "" {
				continue
			}
			if p.plain {
				return p
			}
			if best.text == "" {
				best = p
			}
		}
		return best
	}
	var out body
	var texts []string
	for _, p := range parts {
		if t := strings.TrimSpace(p.text); t != "" {
			texts = append(texts, strings.TrimRight(p.text, "\n"))
			out.plain = out.plain || p.plain
		}
	}
	out.text = strings.Join(texts, "\n\n")
	return out
}

// signatureTypes are parts that sign or describe the message, not files.
var signatureTypes = map[string]bool{
	"application/pkcs7-signature": true, "application/x-pkcs7-signature": true,
	"application/pgp-signature": true, "application/pgp-encrypted": true,
	"message/delivery-status": true, "message/disposition-notification": true,
	"text/rfc822-headers": true, "message/feedback-report": true,
}

func (w *walker) leaf(e *message.Entity, mediaType string, params map[string]string, perr error) (body, error) {
	h := mail.AttachmentHeader{Header: e.Header}
	disp, _, _ := e.Header.ContentDisposition()
	disp = strings.ToLower(disp)
	name, _ := h.Filename()
	name = cleanName(name)
	if mediaType == "" || strings.HasPrefix(mediaType, "multipart/") {
		mediaType = "text/plain" // a multipart too deep or without boundary: read it as text
	}
	isText := mediaType == "text/plain" || mediaType == "text/html"
	if isText && disp != "attachment" && name == "" {
		if perr != nil && message.IsUnknownEncoding(perr) {
			return body{}, w.skip(e.Body)
		}
		raw, err := w.readText(e.Body)
		if err != nil {
			return body{}, err
		}
		if mediaType == "text/html" {
			return body{text: htmlToText(raw)}, nil
		}
		t := normalizeNewlines(raw)
		if strings.EqualFold(params["format"], "flowed") {
			t = unflow(t, strings.EqualFold(params["delsp"], "yes"))
		}
		return body{text: t, plain: true}, nil
	}
	if signatureTypes[mediaType] || (perr != nil && message.IsUnknownEncoding(perr)) {
		return body{}, w.skip(e.Body)
	}
	if mediaType == "application/ms-tnef" || strings.EqualFold(name, "winmail.dat") {
		if name == "" {
			name = "winmail.dat"
		}
		w.m.Refused = append(w.m.Refused, name)
		return body{}, w.skip(e.Body)
	}
	inline := disp == "inline" || (disp == "" && e.Header.Get("Content-Id") != "")
	if name == "" {
		w.files++
		base := "file"
		if strings.HasPrefix(mediaType, "image/") {
			w.images++
			base = "image"
		}
		n := w.files
		if base == "image" {
			n = w.images
		}
		name = base + "-" + strconv.Itoa(n) + extension(mediaType)
	}
	f, err := w.keep(e.Body, name, mediaType, inline)
	if err != nil {
		return body{}, err
	}
	if inline && strings.HasPrefix(mediaType, "image/") && f.Size < tinyImage {
		return body{}, nil // a signature logo
	}
	w.m.Files = append(w.m.Files, f)
	return body{}, nil
}

// extension gives a generated name its extension.
func extension(mediaType string) string {
	switch mediaType {
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "message/rfc822":
		return ".eml"
	}
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// cleanName keeps the last element of a file name (a client may send a
// full Windows path) and drops control characters.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	if len(name) > 255 {
		// Keep the extension, cut the stem on a rune boundary.
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:255-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// readText reads a body up to maxText bytes and skips the rest.
func (w *walker) readText(r io.Reader) (string, error) {
	var b bytes.Buffer
	if _, err := io.CopyBuffer(&b, io.LimitReader(r, maxText), w.buf); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return "", err
		}
		// A broken encoding (bad base64): keep what could be decoded.
	}
	if err := w.skip(r); err != nil {
		return "", err
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD"), nil
}

// skip reads r to its end; only the size limit is an error (a broken
// encoding in a part we don't keep is not).
func (w *walker) skip(r io.Reader) error {
	_, err := io.CopyBuffer(io.Discard, r, w.buf)
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	return nil
}

// writerOnly hides os.File's ReadFrom so that io.CopyBuffer uses the
// walker's buffer instead of allocating one per file.
type writerOnly struct{ io.Writer }

// keep stores a file's content: in memory up to memFileMax, in a temporary
// file past it, not at all past o.MaxFile (only its size is counted).
func (w *walker) keep(r io.Reader, name, mediaType string, inline bool) (File, error) {
	f := File{Name: name, ContentType: mediaType, Inline: inline}
	var mem bytes.Buffer
	n, err := io.CopyBuffer(&mem, io.LimitReader(r, memFileMax+1), w.buf)
	f.Size = n
	if err != nil && errors.Is(err, ErrTooLarge) {
		return f, err
	}
	if n <= memFileMax {
		data := mem.Bytes()
		f.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		if w.o.MaxFile > 0 && n > w.o.MaxFile {
			f.Open = tooLarge
		}
		return f, nil
	}
	if w.o.MaxFile > 0 && n > w.o.MaxFile {
		rest, err := io.CopyBuffer(io.Discard, r, w.buf)
		f.Size += rest
		f.Open = tooLarge
		if errors.Is(err, ErrTooLarge) {
			return f, err
		}
		return f, nil
	}
	tmp, err := os.CreateTemp(w.o.TempDir, "mailin-*")
	if err != nil {
		return f, err
	}
	w.m.temps = append(w.m.temps, tmp.Name())
	if _, err := tmp.Write(mem.Bytes()); err != nil {
		tmp.Close()
		return f, err
	}
	mem = bytes.Buffer{}
	var src io.Reader = r
	if w.o.MaxFile > 0 {
		src = io.LimitReader(r, w.o.MaxFile-n+1)
	}
	rest, err := io.CopyBuffer(writerOnly{tmp}, src, w.buf)
	f.Size += rest
	if cerr := tmp.Close(); err == nil && cerr != nil {
		return f, cerr
	}
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return f, err
		}
		if _, ok := err.(*os.PathError); ok {
			return f, err // the disk is full: the caller should try again later
		}
		// A broken encoding: keep what could be decoded.
	}
	if w.o.MaxFile > 0 && f.Size > w.o.MaxFile {
		rest, err := io.CopyBuffer(io.Discard, r, w.buf)
		f.Size += rest
		os.Remove(tmp.Name())
		f.Open = tooLarge
		if errors.Is(err, ErrTooLarge) {
			return f, err
		}
		return f, nil
	}
	p := tmp.Name()
	f.Open = func() (io.ReadCloser, error) { return os.Open(p) }
	return f, nil
}

func tooLarge() (io.ReadCloser, error) { return nil, ErrFileTooLarge }

// Close removes the temporary files of the message's large files; their
// Open fails afterwards.
func (m *Message) Close() error {
	if m == nil {
		return nil
	}
	var first error
	for _, p := range m.temps {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
	}
	m.temps = nil
	return first
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
