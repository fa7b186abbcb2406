package root_test

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/locale"
)

// The flags as pflag lays them out (aligned by characters, hidden and
// deprecated ones left out), with value names and defaults in the
// reader's language.
func TestFlagUsages(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.IntP("limit", "L", 50, "nombre maximal")
	fs.Duration("idle-timeout", 2*time.Minute, "attente")
	fs.Duration("keep", 30*24*time.Hour, "garde")
	fs.String("addr", "127.0.0.1:8080", "adresse")
	fs.String("since", "", "depuis")
	fs.StringArray("status", nil, "statuts")
	fs.Bool("json", false, "JSON")
	fs.String("secret", "", "caché")
	_ = fs.MarkHidden("secret")
	fs.String("old", "", "ancien")
	_ = fs.MarkDeprecated("old", "--new")
	want := map[string]string{
		locale.FR: `      --addr adresse         adresse (par défaut : « 127.0.0.1:8080 »)
      --idle-timeout durée   attente (par défaut : 2 min)
      --json                 JSON
      --keep durée           garde (par défaut : 30 jours)
  -L, --limit nombre         nombre maximal (par défaut : 50)
      --since date           depuis
      --status statut        statuts`,
		locale.EN: `      --addr address            adresse (default "127.0.0.1:8080")
      --idle-timeout duration   attente (default 2 min)
      --json                    JSON
      --keep duration           garde (default 30 days)
  -L, --limit number            nombre maximal (default 50)
      --since date              depuis
      --status status           statuts`,
	}
	for lang, w := range want {
		if got := root.FlagUsages(lang, fs); got != w {
			t.Errorf("%s:\n%s\nwant:\n%s", lang, got, w)
		}
	}
}
