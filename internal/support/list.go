package support

import "strings"

// SplitList reads a list given as repeated values, comma lists, or both
// (--population eleves --population parents,enseignants; ?status=a,b&status=c),
// the convention of the command line, input files and query strings alike.
// Blank items are dropped.
func SplitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
