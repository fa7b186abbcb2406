package helpdesk

import (
	"sort"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// KnownFieldKey reports whether k may appear in a profile's backend.fields:
// an ENT field key (FieldKeys), or, for back ends whose priorities and
// statuses are named (Redmine), priority.<priority> and status.<status>
// (priority.bloquante: Immédiat, status.en_attente: En attente).
func KnownFieldKey(k string) bool {
	if _, ok := DefaultNames[k]; ok {
		return true
	}
	if p, ok := strings.CutPrefix(k, "priority."); ok {
		_, ok := support.ParsePriority(p)
		return ok && string(support.Priority(p)) == p
	}
	if s, ok := strings.CutPrefix(k, "status."); ok {
		st, ok := support.ParseStatus(s)
		return ok && string(st) == s
	}
	return false
}

// NameKeys are the priority.* and status.* keys set in fields, sorted.
func NameKeys(fields map[string]string) []string {
	var out []string
	for k := range fields {
		if _, field := DefaultNames[k]; !field && KnownFieldKey(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
