package mailin

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText turns an HTML body into plain text: block elements and <br>
// end lines, list items start with "• ", table cells are separated by a
// tab, a link keeps its address when its text differs, and the content of
// <head>, <style>, <script> and <title> is dropped. Text inside
// <blockquote> (how mail clients quote) gets "> " prefixes, so that Reply
// recognises it.
func htmlToText(src string) string {
	text, _ := convertHTML(src)
	return text
}

// convertHTML is htmlToText that also returns the data: URLs of the
// images (<img src="data:image/png;base64,…">), at most 20.
func convertHTML(src string) (string, []string) {
	t := html.NewTokenizer(strings.NewReader(src))
	c := htmlConv{}
	skip := 0 // depth inside elements whose content is not text
	for {
		tt := t.Next()
		switch tt {
		case html.ErrorToken:
			return c.finish(), c.images
		case html.TextToken:
			if skip == 0 {
				c.text(string(t.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := t.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Style, atom.Script, atom.Head, atom.Title, atom.Template, atom.Noscript:
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			var href string
			if (a == atom.A || a == atom.Img) && hasAttr {
				for {
					k, v, more := t.TagAttr()
					if string(k) == "href" && a == atom.A {
						href = string(v)
					}
					if string(k) == "src" && a == atom.Img && len(c.images) < 20 &&
						len(v) > 16 && strings.EqualFold(string(v[:11]), "data:image/") {
						c.images = append(c.images, string(v))
					}
					if !more {
						break
					}
				}
			}
			c.start(a, href, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := t.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Style, atom.Script, atom.Head, atom.Title, atom.Template, atom.Noscript:
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip == 0 {
				c.end(a)
			}
		}
	}
}

type htmlConv struct {
	b         strings.Builder
	lineStart bool // nothing written on the current line yet
	space     bool // a space is pending before the next word
	quote     int  // blockquote depth
	pre       int  // inside <pre>
	cell      bool // a table cell was written on this row
	links     []link
	lists     []int // for each open list: 0 for <ul>, else the next number of <ol>
	blankPara bool  // a paragraph holding only a no-break space: an empty line
	images    []string
}

type link struct {
	href  string
	start int
}

func (c *htmlConv) newline() {
	c.b.WriteByte('\n')
	c.lineStart = true
	c.space = false
}

// block ends the current line if something was written on it.
func (c *htmlConv) block() {
	if !c.lineStart && c.b.Len() > 0 {
		c.newline()
	} else if c.blankPara && c.b.Len() > 0 {
		c.prefix()
		c.newline()
	}
	c.blankPara = false
	c.space = false
}

func (c *htmlConv) prefix() {
	if c.lineStart {
		if c.quote > 0 {
			// Deeper quotes than a few are still quotes: the prefix stays
			// short whatever the nesting (a crafted message could nest
			// thousands of blockquotes).
			c.b.WriteString(strings.Repeat(">", min(c.quote, 8)) + " ")
		}
		c.lineStart = false
	}
}

func (c *htmlConv) text(s string) {
	if c.lineStart && strings.Contains(s, "\u00a0") && strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", "")) == "" {
		c.blankPara = true
		return
	}
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if c.pre > 0 {
		s = normalizeNewlines(s)
		for i, l := range strings.Split(s, "\n") {
			if i > 0 {
				c.newline()
			}
			if l != "" {
				c.prefix()
				c.b.WriteString(l)
			}
		}
		return
	}
	for i, w := range strings.Fields(s) {
		if i == 0 && !isSpaceByte(s[0]) && !c.space {
			c.prefix()
			c.b.WriteString(w)
			continue
		}
		if !c.lineStart {
			c.b.WriteByte(' ')
		}
		c.prefix()
		c.b.WriteString(w)
	}
	c.space = len(s) > 0 && isSpaceByte(s[len(s)-1])
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

func (c *htmlConv) start(a atom.Atom, href string, selfClosing bool) {
	switch a {
	case atom.Br:
		c.prefix()
		c.newline()
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Address,
		atom.Dl, atom.Dt, atom.Dd, atom.Table, atom.Center, atom.Form, atom.Fieldset:
		c.block()
	case atom.Tr:
		c.block()
		c.cell = false
	case atom.Td, atom.Th:
		if c.cell {
			c.b.WriteByte('\t')
			c.space = false
		}
		c.cell = true
	case atom.Hr:
		c.block()
		c.prefix()
		c.b.WriteString("----")
		c.newline()
	case atom.Ul:
		c.block()
		c.lists = append(c.lists, 0)
	case atom.Ol:
		c.block()
		c.lists = append(c.lists, 1)
	case atom.Li:
		c.block()
		c.prefix()
		if n := len(c.lists); n > 0 && c.lists[n-1] > 0 {
			c.b.WriteString(itoa(c.lists[n-1]) + ". ")
			c.lists[n-1]++
		} else {
			c.b.WriteString("• ")
		}
	case atom.Blockquote:
		c.block()
		c.quote++
	case atom.Pre:
		c.block()
		c.pre++
	case atom.A:
		if !selfClosing && len(c.links) < 16 {
			c.links = append(c.links, link{href: href, start: c.b.Len()})
		}
	}
}

func (c *htmlConv) end(a atom.Atom) {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Address,
		atom.Dl, atom.Dt, atom.Dd, atom.Table, atom.Tr, atom.Li, atom.Center, atom.Form, atom.Fieldset:
		c.block()
	case atom.Ul, atom.Ol:
		c.block()
		if n := len(c.lists); n > 0 {
			c.lists = c.lists[:n-1]
		}
	case atom.Blockquote:
		c.block()
		if c.quote > 0 {
			c.quote--
		}
	case atom.Pre:
		c.block()
		if c.pre > 0 {
			c.pre--
		}
	case atom.A:
		n := len(c.links)
		if n == 0 {
			return
		}
		l := c.links[n-1]
		c.links = c.links[:n-1]
		if l.start > c.b.Len() || c.b.Len()-l.start > 2048 {
			return // a link around a whole page says nothing of its own
		}
		shown := strings.TrimSpace(c.b.String()[l.start:])
		if showHref(l.href, shown) {
			c.prefix()
			c.b.WriteString(" (" + l.href + ")")
		}
	}
}

// showHref reports whether a link's address says more than its text.
func showHref(href, shown string) bool {
	href = strings.TrimSpace(href)
	low := strings.ToLower(href)
	if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
		return false // mailto:, cid:, #anchors, javascript:
	}
	if shown == "" {
		return false
	}
	trim := func(s string) string {
		s = strings.ToLower(s)
		s = strings.TrimPrefix(s, "http://")
		s = strings.TrimPrefix(s, "https://")
		s = strings.TrimPrefix(s, "www.")
		return strings.TrimSuffix(s, "/")
	}
	return trim(href) != trim(shown)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// finish trims trailing spaces of lines and runs of blank lines.
func (c *htmlConv) finish() string {
	lines := strings.Split(c.b.String(), "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(strings.TrimLeft(l, "> ")) == "" && !strings.Contains(l, ">") {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Trim(strings.Join(out, "\n"), "\n")
}
