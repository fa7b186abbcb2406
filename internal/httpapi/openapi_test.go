package httpapi

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Enum []string `json:"enum"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// The document and the route table describe the same routes.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(doc.OpenAPI) {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	registered := map[string]access{}
	for _, rt := range (&server{}).routes() {
		registered[rt.Method+" "+rt.Path] = rt.Access
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			a, ok := registered[key]
			if !ok {
				t.Errorf("%s is documented but not registered", key)
				continue
			}
			var op struct {
				Security  *[]map[string][]string     `json:"security"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (a == accessPublic) {
				t.Errorf("%s: documented public=%v, registered %s", key, public, a)
			}
			want := []string{}
			switch a {
			case accessUser:
				want = []string{"401", "429"}
			case accessAdmin:
				want = []string{"401", "403", "429"}
			}
			for _, s := range want {
				if _, ok := op.Responses[s]; !ok {
					t.Errorf("%s: no %s response documented", key, s)
				}
			}
		}
	}
	for key, a := range registered {
		if a == accessLink {
			// Pages for people behind a signed link: kept out of the API
			// and out of its document.
			if documented[key] || strings.Contains(key, "/api/") {
				t.Errorf("%s: a signed-link page must stay outside /api/v1 and the document", key)
			}
			continue
		}
		if !documented[key] {
			t.Errorf("%s is registered but not documented", key)
		}
	}
}

// The enums of the document are the domain's.
func TestOpenAPIEnumsMatchTheDomain(t *testing.T) {
	doc := loadOpenAPI(t)
	strs := func(xs ...string) []string { return xs }
	var statuses, priorities, functions, populations []string
	for _, s := range support.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, p := range support.Priorities {
		priorities = append(priorities, string(p))
	}
	for _, f := range support.Functions {
		functions = append(functions, string(f))
	}
	for _, p := range support.Populations {
		populations = append(populations, string(p))
	}
	var codes []string
	for _, row := range codeStatus {
		if !slices.Contains(codes, row.Code) {
			codes = append(codes, row.Code)
		}
	}
	for name, want := range map[string][]string{
		"Status": statuses, "Priority": priorities, "Function": functions, "Population": populations,
		"Role":      strs(string(support.RoleReporter), string(support.RoleAgent), string(support.RoleAdmin), string(support.RoleMailgate)),
		"ErrorCode": codes,
	} {
		got := doc.Components.Schemas[name].Enum
		if !sameSet(got, want) {
			t.Errorf("schema %s: enum %v, domain %v", name, got, want)
		}
	}
	rules := doc.Components.Schemas["Rule"].Enum
	for _, r := range []string{support.RuleRequired, support.RuleLength, support.RuleNameChars, support.RuleFunction,
		support.RulePhone, support.RuleEmail, support.RuleUAIFormat, support.RuleUAIKey, support.RuleUAIUnknown,
		support.RulePopulation, support.RulePriority, support.RuleLocation, support.RuleNumber, support.RuleRole,
		support.RuleFileType, support.RuleFileSize, support.RuleTicketSize, support.RuleFileEmpty,
		support.RuleFileCount, support.RuleFileUnreadable, support.RuleUnknownKey, support.RuleSyntax,
		support.RuleStatus, support.RuleDate, support.RuleLimit, support.RuleControlChars, support.RuleAssignee,
		support.RuleUAINotMember, support.RuleOnBehalfStaff, support.RuleAccountUnknown} {
		if !slices.Contains(rules, r) {
			t.Errorf("rule %q missing from the Rule enum", r)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
