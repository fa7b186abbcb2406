package support_test

import (
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestParseName(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{in: "Hélène Dupont-Moreau", want: "Hélène Dupont-Moreau"},
		{in: "  Jean   Pierre  ", want: "Jean Pierre"},
		{in: "O'Brien Seán", want: "O'Brien Seán"},
		{in: "N’Diaye Aïssata", want: "N’Diaye Aïssata"}, // typographic apostrophe
		{in: "Çağlar Öztürk", want: "Çağlar Öztürk"},
		{in: "Łukasz Żółw", want: "Łukasz Żółw"},
		{in: "Zoe\u0301 Le\u0301vy", want: "Zoe\u0301 Le\u0301vy"}, // decomposed accents (pasted from macOS)
		{in: "Zé", want: "Zé"},
		{in: repeat("é", 100), want: repeat("é", 100)}, // 200 bytes, 100 characters
		{in: "É", rule: support.RuleLength},
		{in: repeat("é", 101), rule: support.RuleLength},
		{in: "Jean 2", rule: support.RuleNameChars},
		{in: "Jean_Pierre", rule: support.RuleNameChars},
		{in: "jean@ac-lyon.fr", rule: support.RuleNameChars},
		{in: "Jean.Pierre", rule: support.RuleNameChars},
		{in: "--", rule: support.RuleNameChars},        // no letter at all
		{in: "\u0301Zoé", rule: support.RuleNameChars}, // an accent on nothing
		{in: "' -", rule: support.RuleNameChars},
		{in: "", rule: support.RuleRequired},
		{in: " \t\n", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		got, fe := support.ParseName("reporter.name", tt.in)
		checkFieldError(t, tt.in, fe, "reporter.name", tt.rule)
		if tt.rule == "" && got != tt.want {
			t.Errorf("ParseName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The length error gives its figures, in characters.
	_, fe := support.ParseName("reporter.name", repeat("é", 101))
	if d := diff(map[string]string{"min": "2", "max": "100", "length": "101"}, fe.Params); d != "" {
		t.Errorf("length params: %s", d)
	}
}

func TestParseFunction(t *testing.T) {
	tests := []struct {
		in   string
		want support.Function
		ok   bool
	}{
		{"chef_etablissement", support.ChefEtablissement, true},
		{"adjoint", support.Adjoint, true},
		{"correspondant_ent", support.CorrespondantENT, true},
		{"Chef d'établissement", support.ChefEtablissement, true},
		{"Chef d’Établissement", support.ChefEtablissement, true},
		{"  CHEF D'ETABLISSEMENT ", support.ChefEtablissement, true},
		{"Chef\u00a0d'établissement", support.ChefEtablissement, true}, // no-break space
		{"Principal", support.ChefEtablissement, true},
		{"proviseur", support.ChefEtablissement, true},
		{"principal adjoint", support.Adjoint, true},
		{"Principal-Adjoint", support.Adjoint, true},
		{"Adjointe", support.Adjoint, true},
		{"chef d'établissement adjoint", support.Adjoint, true},
		{"Correspondant ENT", support.CorrespondantENT, true},
		{"correspondante-ent", support.CorrespondantENT, true},
		{"Référent ENT", support.CorrespondantENT, true},
		{"enseignant", "", false},
		{"Professeur principal", "", false},
		{"parent", "", false},
		{"élève", "", false},
		{"CPE", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := support.ParseFunction(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseFunction(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePriority(t *testing.T) {
	tests := []struct {
		in   string
		want support.Priority
		ok   bool
	}{
		{"bloquante", support.Bloquante, true},
		{"Majeure", support.Majeure, true},
		{" MINEURE ", support.Mineure, true},
		{"urgente", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := support.ParsePriority(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParsePriority(%q) = %q, %v", tt.in, got, ok)
		}
	}
	for i, p := range support.Priorities {
		if p.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", p, p.Rank(), i)
		}
	}
	if r := support.Priority("x").Rank(); r != 3 {
		t.Errorf("unknown Rank() = %d", r)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want support.Status
		ok   bool
	}{
		{"nouveau", support.StatusNew, true},
		{"en_cours", support.StatusOpen, true},
		{"En cours", support.StatusOpen, true},
		{"en-attente", support.StatusWaiting, true},
		{"en\u00a0attente", support.StatusWaiting, true},
		{"Résolu", support.StatusResolved, true},
		{"resolu", support.StatusResolved, true},
		{"CLOS", support.StatusClosed, true},
		{"fermé", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := support.ParseStatus(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseStatus(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePopulation(t *testing.T) {
	tests := []struct {
		in   string
		want support.Population
		ok   bool
	}{
		{"enseignants", "enseignants", true},
		{"Enseignant", "enseignants", true},
		{"professeurs", "enseignants", true},
		{"élèves", "eleves", true},
		{"Élève", "eleves", true},
		{"parents", "parents", true},
		{"Parent", "parents", true},
		{"personnel", "personnels", true},
		{"vie scolaire", "vie_scolaire", true},
		{"Vie-Scolaire", "vie_scolaire", true},
		{"direction", "direction", true},
		{"Tous", "tous", true},
		{"agents", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := support.ParsePopulation(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePopulation(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseEmail(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{in: "ce.0010001w@ac-lyon.fr", want: "ce.0010001w@ac-lyon.fr"},
		{in: "  marie.curie@example.org ", want: "marie.curie@example.org"},
		{in: "a+tag@sub.example.fr", want: "a+tag@sub.example.fr"},
		{in: "Marie <marie@example.org>", rule: support.RuleEmail}, // a bare address only
		{in: "marie@localhost", rule: support.RuleEmail},
		{in: "marie.example.org", rule: support.RuleEmail},
		{in: "marie@", rule: support.RuleEmail},
		{in: "@example.org", rule: support.RuleEmail},
		{in: "ma rie@example.org", rule: support.RuleEmail},
		{in: repeat("a", 64) + "@" + repeat("b", 187) + ".fr", rule: support.RuleEmail}, // 255 bytes
		{in: "", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		got, fe := support.ParseEmail(tt.in)
		checkFieldError(t, tt.in, fe, "reporter.email", tt.rule)
		if tt.rule == "" && got != tt.want {
			t.Errorf("ParseEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in    string
		want  support.Role
		ok    bool
		staff bool
	}{
		{"reporter", support.RoleReporter, true, false},
		{"Agent", support.RoleAgent, true, true},
		{" ADMIN ", support.RoleAdmin, true, true},
		{"root", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		got, ok := support.ParseRole(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseRole(%q) = %q, %v", tt.in, got, ok)
		}
		if ok && got.IsStaff() != tt.staff {
			t.Errorf("%s.IsStaff() = %v", got, got.IsStaff())
		}
	}
}
