package locale

import (
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Size writes n bytes for people, in binary units since the limits are set
// in them: the French way in French (812 o, 1,5 Kio, 10 Mio) and the
// English way otherwise (812 B, 1.5 KiB, 10 MiB).
func Size(lang string, n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	if lang != EN {
		units = []string{"o", "Kio", "Mio", "Gio", "Tio"}
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " " + units[0]
	}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	// 1023.96 KiB rounds to "1024.0": that is the next unit.
	if s == "1024.0" && i < len(units)-1 {
		s, i = "1.0", i+1
	}
	s = strings.TrimSuffix(s, ".0")
	if lang != EN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[i]
}

// sizeParams returns the params of a size rule with its byte counts
// written for people; the params that travel keep raw bytes, which
// scripts can compare. A size where reading stopped is a lower bound.
func sizeParams(lang string, fe support.FieldError) map[string]string {
	if fe.Rule != support.RuleFileSize && fe.Rule != support.RuleTicketSize {
		return fe.Params
	}
	p := make(map[string]string, len(fe.Params))
	for k, v := range fe.Params {
		p[k] = v
	}
	for _, k := range []string{"size", "max"} {
		if n, err := strconv.ParseInt(p[k], 10, 64); err == nil {
			p[k] = Size(lang, n)
		}
	}
	if p["size_known"] == "false" {
		p["size"] = T(lang, "size.more_than", map[string]string{"size": p["size"]})
	}
	return p
}
