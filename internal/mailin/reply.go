package mailin

import (
	"strings"
)

// Reply returns the text of a reply without quoted text and signature, as
// French and English mail clients write them:
//   - lines starting with ">" (quoted), and the attribution line before
//     them: "Le … a écrit :", "On … wrote:" (possibly wrapped on two lines);
//   - from a separator on: "-----Message d'origine-----",
//     "-----Original Message-----", "----- Mail original -----", Outlook's
//     header block ("De : … Envoyé : … À : … Objet :", "From: … Sent: …"),
//     an attribution not followed by quoted lines;
//   - from the signature delimiter "-- " on, and from a mobile signature on
//     ("Envoyé de mon iPhone", "Sent from my iPhone", "Envoyé depuis
//     Outlook"...).
//
// Interleaved answers (text between quoted blocks) are kept.
func Reply(text string) string {
	lines := strings.Split(normalizeNewlines(text), "\n")
	end := quoteStart(lines)
	var out []string
	for i := 0; i < end; i++ {
		l := lines[i]
		if isQuoted(l) {
			continue
		}
		if n := attribution(lines, i); n > 0 {
			i += n - 1
			continue
		}
		out = append(out, strings.TrimRight(l, " \t"))
	}
	// Collapse runs of blank lines left by removed quotes.
	res := out[:0]
	for i, l := range out {
		if l == "" && i > 0 && res[len(res)-1] == "" {
			continue
		}
		res = append(res, l)
	}
	return strings.Trim(strings.Join(res, "\n"), "\n \t")
}

func isQuoted(l string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " "), ">")
}

var (
	// separatorRe matches the lines that start a quoted original with
	// nothing after them to keep.
	separatorRe = lazyRegexp(`(?i)^\s*(-{2,}|_{2,})\s*(message d'origine|message d’origine|original message|mail original|message original|courriel original|message d'origine\.)\s*(-{2,}|_{2,})\s*$`)
	// mobileRe matches the signatures mobile clients add.
	mobileRe = lazyRegexp(`(?i)^\s*(envoy[ée] (de|depuis) (mon|ma|un|une|l'application|outlook)\b.*|sent from (my|outlook|mail for)\b.*|get outlook for (ios|android).*|t[ée]l[ée]charger outlook pour (ios|android).*|envoy[ée] depuis outlook.*|envoy[ée] avec .*)$`)
	// headerLineRe matches one line of a header block quoted by Outlook
	// and webmails ("De : Marie", "From: Marie", "*De :* Marie").
	headerLineRe = lazyRegexp(`(?i)^\s*\**\s*(de|from|envoy[ée]|sent|date|[àa]|to|cc|objet|subject|pour)\s*\**\s*:`)
	attribEndRe  = lazyRegexp(`(?i)(a [eé]crit|wrote|schrieb|escribió)\s*:\s*$`)
	attribHeadRe = lazyRegexp(`(?i)^\s*(le|on|am|el)\s`)
	// forwardRe matches the line forwarding clients put above the header
	// block of the forwarded message, which is content, not a quote.
	forwardRe = lazyRegexp(`(?i)^\s*(-{2,}|_{2,})?\s*(forwarded message|message transf[ée]r[ée]|courriel transf[ée]r[ée]|begin forwarded message|d[ée]but du message r[ée]exp[ée]di[ée])\s*:?\s*(-{2,}|_{2,})?\s*$`)
)

// forwarded reports whether the header block at lines[i] is announced as a
// forwarded message by one of the two lines above it.
func forwarded(lines []string, i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if forwardRe().MatchString(lines[j]) {
			return true
		}
	}
	return false
}

// quoteStart returns the index of the line where the quoted original or the
// signature starts (len(lines) if none).
func quoteStart(lines []string) int {
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if isQuoted(l) {
			continue
		}
		if l == "-- " || t == "--" {
			return i
		}
		if separatorRe().MatchString(t) || mobileRe().MatchString(t) {
			return i
		}
		if isHeaderBlock(lines, i) && !forwarded(lines, i) {
			// A line of underscores (Outlook on the web) just above belongs
			// to the block.
			if i > 0 && isRule(lines[i-1]) {
				return i - 1
			}
			return i
		}
		if n := attribution(lines, i); n > 0 {
			// Followed by quoted lines: they are dropped one by one and what
			// comes after (a bottom-posted answer) is kept. Otherwise the
			// original follows unquoted: it ends the reply.
			next := i + n
			for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
				next++
			}
			if next < len(lines) && isQuoted(lines[next]) {
				continue
			}
			return i
		}
	}
	return len(lines)
}

// isHeaderBlock reports whether lines[i] starts a quoted header block: "De :"
// or "From:" followed, within the next lines, by a date or sent line and a
// subject or recipient line.
func isHeaderBlock(lines []string, i int) bool {
	m := headerLineRe().FindStringSubmatch(lines[i])
	if m == nil {
		return false
	}
	if k := strings.ToLower(m[1]); k != "de" && k != "from" {
		return false
	}
	var sent, other bool
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		mm := headerLineRe().FindStringSubmatch(lines[j])
		if mm == nil {
			if strings.TrimSpace(lines[j]) == "" {
				continue
			}
			// A wrapped recipient list continues the block.
			continue
		}
		switch strings.ToLower(mm[1]) {
		case "envoyé", "envoye", "sent", "date":
			sent = true
		default:
			other = true
		}
	}
	return sent && other
}

// attribution returns how many lines (1 or 2) the attribution starting at
// lines[i] spans ("Le 2 déc. 2026 à 10:44, Marie <m@x.fr> a écrit :",
// possibly wrapped before "a écrit :"), 0 if lines[i] is none.
func attribution(lines []string, i int) int {
	l := strings.TrimSpace(lines[i])
	if l == "" || len(l) > 300 {
		return 0
	}
	if attribEndRe().MatchString(l) && (attribHeadRe().MatchString(l) || strings.Contains(l, "@") || len(l) < 120) {
		return 1
	}
	if attribHeadRe().MatchString(l) && i+1 < len(lines) {
		n := strings.TrimSpace(lines[i+1])
		if n != "" && len(n) < 200 && attribEndRe().MatchString(l+" "+n) {
			return 2
		}
	}
	return 0
}

// isRule reports whether l is a horizontal rule: a line of underscores or
// dashes (Outlook on the web draws one above the quoted header block).
func isRule(l string) bool {
	t := strings.TrimSpace(l)
	return len(t) >= 4 && (strings.Trim(t, "_") == "" || strings.Trim(t, "-") == "")
}
