package mailin

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
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
	htmlcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/ent-support/ent-support/internal/locale"
)

const (
	// memFileMax is the size up to which a file stays in memory; past it,
	// it goes to a temporary file. Small enough that many files don't add
	// up, large enough that a usual screenshot of a dialog stays in memory.
	memFileMax = 64 << 10
	// maxText bounds each text or HTML body read; the rest is skipped. A
	// description is at most 20 000 characters: 1 MiB is plenty.
	maxText = 1 << 20
	// maxTexts bounds all the bodies of a message together.
	maxTexts = 2 << 20
	// maxMemFiles bounds the small files kept in memory together; past it
	// they go to temporary files as well.
	maxMemFiles = 1 << 20
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
	// 64 KiB reads: a 5 MiB message from a file is 80 reads, not 1,300.
	br := bufio.NewReaderSize(r, 64<<10)
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
		line = append(line, chunk...)
		if len(line) > 4096 {
			// No envelope line is that long; what follows would escape
			// the size limit and the hash.
			return "", fmt.Errorf("%w: an mbox From line longer than 4 KiB", ErrNotMail)
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
	if a := strings.Trim(f[1], "<>"); a != "" {
		return strings.ToLower(a), nil
	}
	return "<>", nil
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

// maxHeader bounds the message's header.
const maxHeader = 1 << 20

// cleanHeader reads the message's header up to the blank line that ends it
// and returns it without the lines that are not fields ("Name: value" or
// their continuation): broken mailers write some, and one such line would
// make the strict parser refuse the whole message.
func cleanHeader(br *bufio.Reader) ([]byte, error) {
	var out, line []byte
	keep := false // the field being continued is kept
	total := 0
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		total += len(chunk)
		if total > maxHeader {
			return nil, errors.New("header over 1 MiB")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		switch {
		case len(line) == 0:
		case line[0] == '\n' || (line[0] == '\r' && (len(line) == 1 || line[1] == '\n')):
			return append(out, '\n'), nil // the end of the header
		case line[0] == ' ' || line[0] == '\t':
			if keep {
				out = append(out, line...)
			}
		default:
			keep = isField(line)
			if keep {
				out = append(out, line...)
			}
		}
		if err == io.EOF {
			if len(out) > 0 && out[len(out)-1] != '\n' {
				out = append(out, '\n')
			}
			return append(out, '\n'), nil
		}
		line = line[:0]
	}
}

// isField reports whether line starts with a field name and a colon.
func isField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// mandatoryish are fields one of which every message has.
var mandatoryish = []string{"From", "Sender", "Date", "Message-Id", "Subject", "To", "Return-Path", "Received"}

func (m *Message) read(r io.Reader, o Options) error {
	br := bufio.NewReader(r)
	hdr, err := cleanHeader(br)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge
		}
		return fmt.Errorf("%w: %v", ErrNotMail, err)
	}
	e, err := message.Read(io.MultiReader(bytes.NewReader(hdr), br))
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

	w := walker{o: o, m: m, buf: make([]byte, 32<<10), textLeft: maxTexts, memLeft: maxMemFiles}
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

// cidRe matches the place holders Outlook writes in the text part for the
// images of the HTML part ("[cid:image001.png@01DB44A9.BDF0A2B0]"): the
// images are the message's files.
var cidRe = lazyRegexp(`\[cid:[^\]\s]{1,200}\]`)

var msgIDRe = lazyRegexp(`<([^<>\s]+)>`)

// msgIDs reads a list of message ids, tolerant of the forms found in the
// wild (missing angle brackets, comments, commas).
func msgIDs(v string) []string {
	var ids []string
	if ms := msgIDRe().FindAllStringSubmatch(v, -1); ms != nil {
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

var emailRe = lazyRegexp(`[^\s<>"(),;:]+@[^\s<>"(),;:]+`)

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
	a := Address{Email: strings.ToLower(emailRe().FindString(dec))}
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
	o    Options
	m    *Message
	buf  []byte // copy buffer
	head []byte // the first bytes of each file, to know whether it stays in memory
	// textLeft and memLeft are what may still be read into memory of the
	// bodies and of the small files: many small parts add up too.
	textLeft, memLeft int64
	parts             int
	images            int
	files             int
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
	if mediaType == "message/rfc822" && depth < maxDepth && err == nil {
		return w.embedded(e, depth)
	}
	return w.leaf(e, mediaType, params, err)
}

// embedded reads a message forwarded as an attachment (message/rfc822):
// its text follows the body under a forwarding header, as clients write an
// inline forward, and its files are the ticket's files.
func (w *walker) embedded(e *message.Entity, depth int) (body, error) {
	inner, err := message.Read(e.Body)
	if err != nil && inner == nil {
		return body{}, w.skip(e.Body)
	}
	h := mail.Header{Header: inner.Header}
	lang := cmp.Or(w.o.Lang, locale.FR)
	var head strings.Builder
	head.WriteString(locale.T(lang, "mail.forwarded.header", nil) + "\n")
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		v, derr := h.Text(k)
		if derr != nil {
			v = h.Get(k)
		}
		if v = cleanLine(v); v != "" {
			key := "mail.forwarded." + strings.ToLower(k)
			head.WriteString(locale.T(lang, key, map[string]string{"value": v}) + "\n")
		}
	}
	b, err := w.walk(inner, depth+1, err)
	if err != nil {
		return body{}, err
	}
	if err := w.skip(e.Body); err != nil {
		return body{}, err
	}
	return body{text: head.String() + "\n" + b.text, plain: b.plain}, nil
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

// isSignature reports whether a part signs or describes the message
// rather than being a file.
func isSignature(mediaType string) bool {
	switch mediaType {
	case "application/pkcs7-signature", "application/x-pkcs7-signature",
		"application/pgp-signature", "application/pgp-encrypted",
		"message/delivery-status", "message/disposition-notification",
		"text/rfc822-headers", "message/feedback-report":
		return true
	}
	return false
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
		raw = toUTF8(raw, mediaType, params["charset"] != "" && perr == nil)
		if mediaType == "text/html" {
			text, images := convertHTML(raw)
			return body{text: text}, w.addDataImages(images)
		}
		t := normalizeNewlines(raw)
		if strings.EqualFold(params["format"], "flowed") {
			t = unflow(t, strings.EqualFold(params["delsp"], "yes"))
		}
		t = cidRe().ReplaceAllString(t, "")
		return body{text: t, plain: true}, nil
	}
	if isSignature(mediaType) || (perr != nil && message.IsUnknownEncoding(perr)) {
		return body{}, w.skip(e.Body)
	}
	if mediaType == "application/ms-tnef" || mediaType == "application/vnd.ms-tnef" || strings.EqualFold(name, "winmail.dat") {
		if name == "" {
			name = "winmail.dat"
		}
		w.m.Refused = append(w.m.Refused, name)
		return body{}, w.skip(e.Body)
	}
	inline := disp == "inline" || (disp == "" && e.Header.Get("Content-Id") != "")
	return body{}, w.addFile(e.Body, name, mediaType, inline)
}

// addFile keeps a file of the ticket: name is generated when empty
// ("image-1.png", "file-1.pdf"), and a tiny inline image (a signature
// logo) is read but left out.
func (w *walker) addFile(r io.Reader, name, mediaType string, inline bool) error {
	f, err := w.keep(r, name, mediaType, inline)
	if err != nil {
		return err
	}
	if inline && strings.HasPrefix(mediaType, "image/") && f.Size < tinyImage {
		return nil // a signature logo
	}
	if f.Name == "" {
		if strings.HasPrefix(mediaType, "image/") {
			w.images++
			f.Name = "image-" + strconv.Itoa(w.images) + extension(mediaType)
		} else {
			w.files++
			f.Name = "file-" + strconv.Itoa(w.files) + extension(mediaType)
		}
	}
	w.m.Files = append(w.m.Files, f)
	return nil
}

// addDataImages keeps the images an HTML body holds as data: URLs (some
// webmails paste screenshots that way) as inline files.
func (w *walker) addDataImages(srcs []string) error {
	for _, src := range srcs {
		meta, data, ok := strings.Cut(src[len("data:"):], ",")
		mediaType, _, _ := strings.Cut(meta, ";")
		if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
			continue
		}
		data = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, data)
		dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(data))
		if err := w.addFile(dec, "", strings.ToLower(strings.TrimSpace(mediaType)), true); err != nil {
			return err
		}
	}
	return nil
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
	n, err := io.CopyBuffer(&b, io.LimitReader(r, min(maxText, w.textLeft)), w.buf)
	w.textLeft -= n
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return "", err
		}
		// A broken encoding (bad base64): keep what could be decoded.
	}
	if err := w.skip(r); err != nil {
		return "", err
	}
	return b.String(), nil
}

// toUTF8 makes a body valid UTF-8. Without a declared charset, 8-bit text
// that is not UTF-8 comes from an old client: HTML says its charset in a
// <meta> tag, plain text is taken as windows-1252 (the superset of Latin-1
// those clients used). Control characters other than tab and line breaks
// are dropped.
func toUTF8(raw, mediaType string, declared bool) string {
	if !declared && !utf8.ValidString(raw) {
		var enc encoding.Encoding = charmap.Windows1252
		if mediaType == "text/html" {
			enc, _, _ = htmlcharset.DetermineEncoding([]byte(raw), "text/html")
		}
		if s, err := enc.NewDecoder().String(raw); err == nil {
			raw = s
		}
	}
	raw = strings.ToValidUTF8(raw, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, raw)
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
	if w.head == nil {
		w.head = make([]byte, memFileMax+1)
	}
	nn, err := io.ReadFull(r, w.head)
	n := int64(nn)
	f.Size = n
	if errors.Is(err, ErrTooLarge) {
		return f, err
	}
	if n <= memFileMax && w.o.MaxFile > 0 && n > w.o.MaxFile {
		f.Open = tooLarge
		return f, nil
	}
	if n <= memFileMax && n <= w.memLeft {
		w.memLeft -= n
		data := bytes.Clone(w.head[:n])
		f.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
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
	if _, err := tmp.Write(w.head[:n]); err != nil {
		tmp.Close()
		return f, err
	}
	var src io.Reader = r
	if w.o.MaxFile > 0 {
		src = io.LimitReader(r, w.o.MaxFile-n+1)
	}
	// The base64 decoder gives at most 768 bytes a read: buffered, a
	// 2 MiB screenshot is 8 writes to its file rather than 2,700.
	bw := bufio.NewWriterSize(tmp, 256<<10)
	rest, err := io.CopyBuffer(writerOnly{bw}, src, w.buf)
	f.Size += rest
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = ferr
	}
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

// lazyRegexp compiles a pattern on first use, not at package
// initialisation: every command of the binary links this package, few
// read mail.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
