package support_test

import (
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestParseLocation(t *testing.T) {
	tests := []struct{ name, in, want, rule string }{
		{name: "http", in: "http://lycee.example.fr/", want: "http://lycee.example.fr/"},
		{name: "https with path and query", in: "https://ent.example.fr/cdt?eleve=12#x", want: "https://ent.example.fr/cdt?eleve=12#x"},
		{name: "upper-case scheme", in: "HTTPS://ENT.example.fr", want: "HTTPS://ENT.example.fr"},
		{name: "trimmed", in: "  https://ent.example.fr/a \n", want: "https://ent.example.fr/a"},
		{name: "port", in: "https://ent.example.fr:8443/x", want: "https://ent.example.fr:8443/x"},
		{name: "no host", in: "https://", rule: support.RuleLocation},
		{name: "no host with path", in: "https:///chemin", rule: support.RuleLocation},
		{name: "port only", in: "http://:80/", rule: support.RuleLocation},
		{name: "space in URL", in: "https://ent.example.fr/a b", rule: support.RuleLocation},
		{name: "ftp", in: "ftp://ent.example.fr/", rule: support.RuleLocation},
		{name: "javascript", in: "javascript:alert(1)", rule: support.RuleLocation},
		{name: "data", in: "data:text/html,<b>x</b>", rule: support.RuleLocation},
		{name: "bare host", in: "ent.example.fr", rule: support.RuleLocation},
		{name: "breadcrumb 2", in: "Accueil > Messagerie", want: "Accueil > Messagerie"},
		{name: "breadcrumb 3", in: "Accueil > Disciplines > SVT", want: "Accueil > Disciplines > SVT"},
		{name: "breadcrumb tight", in: "Accueil>Disciplines>SVT", want: "Accueil > Disciplines > SVT"},
		{name: "breadcrumb odd spacing", in: "  Accueil   >Disciplines>   SVT  ", want: "Accueil > Disciplines > SVT"},
		{name: "breadcrumb inner spaces", in: "Vie  scolaire >\tCahier   de textes", want: "Vie scolaire > Cahier de textes"},
		{name: "breadcrumb accents", in: "Accueil > Élèves > Année 2024–2025", want: "Accueil > Élèves > Année 2024–2025"},
		{name: "one segment", in: "Accueil", rule: support.RuleLocation},
		{name: "empty first segment", in: "> SVT", rule: support.RuleLocation},
		{name: "empty last segment", in: "Accueil >", rule: support.RuleLocation},
		{name: "empty middle segment", in: "Accueil > > SVT", rule: support.RuleLocation},
		{name: "blank segment", in: "Accueil >   > SVT", rule: support.RuleLocation},
		{name: "newline", in: "Accueil >\nSVT", rule: support.RuleLocation},
		{name: "carriage return", in: "Accueil >\rSVT", rule: support.RuleLocation},
		{name: "newline in URL", in: "https://ent.example.fr/\nx", rule: support.RuleLocation},
		{name: "invalid UTF-8", in: "Accueil > \xff", rule: support.RuleLocation},
		{name: "URL at 2000", in: "https://e.fr/" + strings.Repeat("a", 2000-13), want: "https://e.fr/" + strings.Repeat("a", 2000-13)},
		{name: "URL over 2000", in: "https://e.fr/" + strings.Repeat("a", 2001-13), rule: support.RuleLocation},
		{name: "breadcrumb over 2000", in: "A > " + strings.Repeat("é", 1997), rule: support.RuleLocation},
		{name: "breadcrumb at 2000 in characters", in: "A > " + strings.Repeat("é", 1996), want: "A > " + strings.Repeat("é", 1996)},
		// "a>a>..." grows when spaced out: the limit is on what is kept.
		{name: "breadcrumb that grows over 2000", in: strings.Repeat("a>", 700) + "a", rule: support.RuleLocation},
		{name: "empty", in: "", rule: support.RuleRequired},
		{name: "blank", in: " \t ", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fe := support.ParseLocation(tt.in)
			checkFieldError(t, tt.in, fe, "location", tt.rule)
			if tt.rule == "" {
				if got != tt.want {
					t.Errorf("ParseLocation(%q) = %q, want %q", tt.in, got, tt.want)
				}
				if again, fe := support.ParseLocation(got); fe != nil || again != got {
					t.Errorf("not idempotent: %q -> %q, %v", got, again, fe)
				}
			}
		})
	}
}
