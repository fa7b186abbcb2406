package mailin

import "strings"

// unflow undoes format=flowed (RFC 3676): a line ending in a space is
// joined to the next one when both have the same quote depth; the space
// added before a line starting with a space, "From " or ">" is removed;
// with DelSp=yes the trailing space itself was added by the sender and goes.
// The signature separator "-- " is never a soft break.
func unflow(s string, delSp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s))
	para := false // inside a paragraph being joined
	prevDepth := 0
	for i, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		content = strings.TrimPrefix(content, " ") // space-stuffing
		if para && depth != prevDepth {
			// A soft break followed by a line of another depth is a hard one.
			b.WriteByte('\n')
			para = false
		}
		if !para {
			if depth > 0 {
				b.WriteString(strings.Repeat(">", depth))
				b.WriteByte(' ')
			}
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		if soft && i < len(lines)-1 {
			para = true
			prevDepth = depth
			continue
		}
		para = false
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
