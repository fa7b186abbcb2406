package config

import "testing"

func TestCheckServer(t *testing.T) {
	tests := []struct {
		raw      string
		insecure bool
		rule     string
	}{
		{"https://support.example.org", false, ""},
		{"http://127.0.0.1:8080", false, ""},
		{"http://127.9.9.9", false, ""},
		{"http://[::1]:8080", false, ""},
		{"http://localhost:8080", false, ""},
		{"http://LOCALHOST.", false, ""},
		{"http://support.example.org", false, RuleInsecureHTTP},
		{"http://10.0.0.5:8080", false, RuleInsecureHTTP},
		{"http://127.0.0.1.example.org", false, RuleInsecureHTTP},
		{"http://localhost.example.org", false, RuleInsecureHTTP},
		{"http://[::2]", false, RuleInsecureHTTP},
		{"http://support.example.org", true, ""},
		{"ftp://support.example.org", true, RuleURL},
		{"support.example.org", false, RuleURL},
	}
	for _, tt := range tests {
		got := ""
		if fe := CheckServer(tt.raw, tt.insecure); fe != nil {
			got = fe.Rule
			if fe.Field != "server" {
				t.Errorf("%s: field %q", tt.raw, fe.Field)
			}
		}
		if got != tt.rule {
			t.Errorf("CheckServer(%q, %v) = %q, want %q", tt.raw, tt.insecure, got, tt.rule)
		}
	}
}
