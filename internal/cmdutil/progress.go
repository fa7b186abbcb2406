package cmdutil

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// ProgressMin is the size from which a file's transfer shows a progress
// line: below it, the transfer is over before the line could be read.
const ProgressMin = 1 << 20

// progressEvery bounds how often the line is redrawn (10 times a second).
const progressEvery = 100 * time.Millisecond

// Progress is the line on standard error that tells how a transfer goes:
// bytes done of the total, rate and time left. It is drawn over itself
// (a carriage return, then "erase to the end of the line") at most 10
// times a second, and erased when the transfer ends, so that nothing of
// it stays in what the command printed.
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	lang     string
	name     string
	total    int64
	done     int64
	start    time.Time
	last     time.Time
	now      func() time.Time
	drawn    bool
	finished bool
}

// NewProgress returns the progress of a transfer of total bytes of the
// file name, or nil (every method of a nil Progress does nothing) when no
// line is to be drawn: standard error is not a terminal, accessible mode
// (a line rewritten in place is noise to a screen reader), or a file
// under ProgressMin.
func NewProgress(ios *iostreams.IOStreams, lang, name string, total int64) *Progress {
	if !ios.ProgressEnabled() || total < ProgressMin {
		return nil
	}
	return &Progress{w: ios.ErrOut, lang: lang, name: iostreams.Sanitize(OneLine(name)), total: total, now: time.Now}
}

// Reader counts what is read through r.
func (p *Progress) Reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &progressReader{r: r, p: p}
}

type progressReader struct {
	r io.Reader
	p *Progress
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.Add(int64(n))
	return n, err
}

// Add counts n more bytes done, and redraws the line if it is time.
func (p *Progress) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}
	p.done += n
	if p.finished || (p.drawn && now.Sub(p.last) < progressEvery) {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprint(p.w, "\r"+p.line(now)+"\x1b[K")
}

// Done erases the line; the transfer is over (or failed).
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn && !p.finished {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	p.finished = true
}

// line is the text of the line at now.
func (p *Progress) line(now time.Time) string {
	params := map[string]string{"name": p.name, "done": locale.Size(p.lang, p.done), "total": locale.Size(p.lang, p.total)}
	el := now.Sub(p.start).Seconds()
	if el < 0.05 || p.done == 0 {
		// Too early to tell a rate: bytes only.
		return locale.T(p.lang, "tables.progress.start", params)
	}
	bps := float64(p.done) / el
	params["rate"] = locale.Size(p.lang, int64(bps))
	params["eta"] = Duration(time.Duration(float64(max(p.total-p.done, 0)) / bps * float64(time.Second)))
	return locale.T(p.lang, "tables.progress.line", params)
}

// Duration is a time left, short: "42 s", "3 min 05 s", "1 h 02 min".
func Duration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + " s"
	case s < 3600:
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
}

// WithProgress gives each file of ups over ProgressMin a progress line
// while it is read to be sent (each time it is opened: a retry starts it
// again).
func WithProgress(ios *iostreams.IOStreams, lang string, ups []support.Upload) []support.Upload {
	if !ios.ProgressEnabled() {
		return ups
	}
	out := make([]support.Upload, len(ups))
	for i, u := range ups {
		out[i] = u
		if u.Size < ProgressMin || u.Open == nil {
			continue
		}
		open, name, size := u.Open, u.Name, u.Size
		out[i].Open = func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil {
				return nil, err
			}
			p := NewProgress(ios, lang, name, size)
			return &progressReadCloser{Reader: p.Reader(rc), c: rc, p: p}, nil
		}
	}
	return out
}

type progressReadCloser struct {
	io.Reader
	c io.Closer
	p *Progress
}

func (r *progressReadCloser) Close() error {
	r.p.Done()
	return r.c.Close()
}
