package mailin_test

import (
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/mailin"
)

// A request by e-mail, as Postfix's pipe hands it over: the nine fields
// come from the body, the reply text without its quote.
func ExampleParse() {
	raw := "From marie.curie@example.org  Wed Dec  2 09:00:00 2026\n" +
		"From: Marie Curie <Marie.Curie@example.org>\n" +
		"Subject: Cahier de textes vide\n" +
		"Message-ID: <abc@example.org>\n" +
		"Content-Type: text/plain; charset=utf-8\n\n" +
		"• Nom et prénom : Mme Marie Curie\n" +
		"• Fonction : Principale\n" +
		"• Numéro de téléphone : 06 39 98 12 34 (portable)\n" +
		"• Etablissement / Ville : Collège du Pilat (0420001Y) / Bourg-Argental\n" +
		"• Population concernée : Enseignants, élèves\n" +
		"• Description précise : la page du cahier de textes reste blanche\n" +
		"depuis ce matin.\n" +
		"• URL de l'établissement ou fil d'Ariane : Accueil > Vie scolaire\n" +
		"• Degré de priorité : Majeure\n"
	m, err := mailin.Parse(strings.NewReader(raw), mailin.Options{MaxSize: 10 << 20, MaxFile: 10 << 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	r := m.Request()
	fmt.Println(m.From.Email, m.ReturnPath, m.MessageID, m.IsAutomatic() == "")
	fmt.Println(r.Name, "|", r.Function, "|", r.Phone)
	fmt.Println(r.UAI, "|", r.Establishment, "|", r.City)
	fmt.Println(r.Subject, "|", r.Populations, "|", r.Priority, "|", r.Location)
	fmt.Printf("%q\n", r.Description)
	fmt.Println(mailin.Reply("Merci !\n\nLe 2 déc. 2026 à 10:44, Support ENT a écrit :\n> Votre demande…\n"))
	// Output:
	// marie.curie@example.org marie.curie@example.org abc@example.org true
	// Marie Curie | chef_etablissement | 06 39 98 12 34
	// 0420001Y | Collège du Pilat | Bourg-Argental
	// Cahier de textes vide | [enseignants eleves] | majeure | Accueil > Vie scolaire
	// "la page du cahier de textes reste blanche\ndepuis ce matin."
	// Merci !
}
