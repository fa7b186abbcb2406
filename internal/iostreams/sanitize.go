package iostreams

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Sanitize returns text from the network (a comment, a subject, an RT
// reply, a user's name, a server's error) safe to show on a terminal:
// nothing in it can move the cursor, clear the screen, set the window's
// title, ring the bell, or reorder what follows it.
//
//   - line feeds and tabs stay (descriptions and comments are
//     multi-line); a CR before a line feed is dropped;
//   - the other C0 controls and DEL become their visible Unicode pictures
//     (ESC shows as ␛, BEL as ␇);
//   - C1 controls (U+0080–U+009F: a lone 0x9B is a CSI for some
//     terminals) and the bidirectional overrides and isolates
//     (U+202A–U+202E, U+2066–U+2069), which can make text read in another
//     order than it is, show as <U+XXXX>;
//   - bytes that are not UTF-8 become U+FFFD.
//
// Everything else, accents included, is left as it is.
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
			// CRLF: the line feed alone.
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r) // ␀ … ␟
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case unsafe(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafe: C1 controls, bidi overrides and isolates.
func unsafe(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// clean is the fast path: printable ASCII, line feeds and tabs, and
// non-ASCII runes that are neither C1 nor bidi controls.
func clean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafe(r) {
			return false
		}
		i += size
	}
	return true
}

// SafeWriter returns a writer that passes everything through Sanitize on
// its way to w: what views write for people goes through it, so a value
// that was not cleaned where it was printed is cleaned anyway. A rune or
// a CRLF split between two writes is held until the next one. JSON
// output does not go through it: JSON escapes control characters itself
// and must stay exact.
func SafeWriter(w io.Writer) io.Writer {
	if sw, ok := w.(*safeWriter); ok {
		return sw
	}
	return &safeWriter{w: w}
}

type safeWriter struct {
	w       io.Writer
	pending []byte
}

func (sw *safeWriter) Write(p []byte) (int, error) {
	buf := append(sw.pending, p...)
	cut := len(buf)
	// Hold an incomplete rune at the end (at most 3 bytes)...
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	// ... and a CR that a line feed may follow.
	if cut > 0 && cut == len(buf) && buf[cut-1] == '\r' {
		cut--
	}
	out := Sanitize(string(buf[:cut]))
	sw.pending = append([]byte(nil), buf[cut:]...)
	if _, err := io.WriteString(sw.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SafeOut is standard output through SafeWriter: for what people read.
func (s *IOStreams) SafeOut() io.Writer { return SafeWriter(s.Out) }

// SafeErrOut is standard error through SafeWriter.
func (s *IOStreams) SafeErrOut() io.Writer { return SafeWriter(s.ErrOut) }
