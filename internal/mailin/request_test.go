package mailin

import (
	"reflect"
	"strings"
	"testing"
)

// TestRequestLabels: the labels are recognised whatever their accents,
// case, bullet, bold markers and spacing.
func TestRequestLabels(t *testing.T) {
	for _, line := range []string{
		"Nom et prénom : Marie Curie",
		"Nom et prénom: Marie Curie",
		"Nom et prénom\u00a0: Marie Curie",
		"NOM ET PRENOM : Marie Curie",
		"nom et prenom :Marie Curie",
		"• Nom et prénom : Marie Curie",
		"- Nom et prénom : Marie Curie",
		"* Nom et prénom : Marie Curie",
		"  ·         Nom et prénom : Marie Curie",
		"**Nom et prénom** : Marie Curie",
		"**Nom et prénom :** Marie Curie",
		"*Nom et prénom* : *Marie Curie*",
		"1- Nom et prénom : Marie Curie",
		"Nom et prénom\tMarie Curie",
		"> Nom et prénom : Marie Curie",
		"Nom / Prénom : Marie Curie",
		"Nom et prénom :\nMarie Curie",
	} {
		r := parseRequest(line+"\n", "")
		if r.Name != "Marie Curie" || !r.Found["reporter.name"] {
			t.Errorf("%q: name %q found %v", line, r.Name, r.Found)
		}
	}
	// Not labels: a sentence with a colon, a label word later in the line.
	for _, line := range []string{
		"Le nom de la classe : 4e B",
		"Nomination : jeudi",
		"Remarque : le nom et prénom ne sont pas affichés",
	} {
		if r := parseRequest(line+"\n", ""); r.Name != "" {
			t.Errorf("%q taken for the name: %q", line, r.Name)
		}
	}
}

// TestRequestAllFields: the procedure's nine labels, in its wording and
// order, give the nine fields in the CLI's codes.
func TestRequestAllFields(t *testing.T) {
	text := `Bonjour,

Nom et prénom : Marie Curie
Fonction : Chef d'établissement
Numéro de téléphone : 06 39 98 12 34
Etablissement / Ville : Collège du Pilat (0420001Y) / Bourg-Argental
Objet de la demande : Le cahier de textes reste vide
Population concernée par le problème (enseignant, élève, ...) : Enseignants, élèves
Description précise : depuis ce matin,
la page reste blanche.

Même après rechargement.
URL de l'établissement (par exemple : http://dupilat.cybercolleges42.fr/) ou fil d'Ariane : Accueil > Disciplines > SVT
Capture d'écran et/ou pièce jointe : ci-jointe
Degré de priorité : bloquante

Cordialement`
	r := parseRequest(text, "Sujet du mail")
	want := Request{
		Name: "Marie Curie", Function: "chef_etablissement", Phone: "06 39 98 12 34",
		Establishment: "Collège du Pilat", City: "Bourg-Argental", UAI: "0420001Y",
		Subject:     "Le cahier de textes reste vide",
		Description: "depuis ce matin,\nla page reste blanche.\n\nMême après rechargement.",
		Location:    "Accueil > Disciplines > SVT", Priority: "bloquante",
		Populations: []string{"enseignants", "eleves"},
	}
	found := r.Found
	r.Found = nil
	if !reflect.DeepEqual(r, want) {
		t.Errorf("request:\n got %+v\nwant %+v", r, want)
	}
	for _, k := range []string{"reporter.name", "reporter.function", "reporter.phone", "establishment.uai",
		"establishment.name", "establishment.city", "subject", "population", "description", "location", "priority"} {
		if !found[k] {
			t.Errorf("Found[%q] missing", k)
		}
	}
}

// TestRequestMissing: missing fields are not Found; the mail's subject
// stands for a missing Objet; an empty label (the template quoted below)
// does not erase a value given above.
func TestRequestMissing(t *testing.T) {
	text := "Degré de priorité : mineure\n\nLe 2 déc. 2026, Support <s@x> a écrit :\n> Nom et prénom :\n> Degré de priorité :\n> Objet de la demande :\n"
	r := parseRequest(text, "RE: TR: [CG42N1-12] Accès impossible")
	if r.Priority != "mineure" || r.Name != "" || r.Subject != "Accès impossible" {
		t.Errorf("request: %+v", r)
	}
	if len(r.Found) != 1 || !r.Found["priority"] {
		t.Errorf("found: %v", r.Found)
	}
	// The description stops at the quoted original and at a signature.
	r = parseRequest("Description précise : la page reste blanche.\n-- \nMarie\n", "")
	if r.Description != "la page reste blanche." {
		t.Errorf("description before a signature: %q", r.Description)
	}
	r = parseRequest("Description précise : blanche.\n\n________________________________\nDe : Support\nEnvoyé : hier\nObjet : Votre demande\n\ntexte\n", "")
	if r.Description != "blanche." || r.Found["subject"] {
		t.Errorf("description before a header block: %q, subject %q", r.Description, r.Subject)
	}
}

func TestFunctionWords(t *testing.T) {
	checkTable(t, "normFunction", normFunction, map[string]string{
		"Chef d'établissement":            "chef_etablissement",
		"chef d’établissement":            "chef_etablissement",
		"Principal":                       "chef_etablissement",
		"Principale du collège":           "chef_etablissement",
		"Proviseur":                       "chef_etablissement",
		"Proviseure":                      "chef_etablissement",
		"Adjoint":                         "adjoint",
		"Principal adjoint":               "adjoint",
		"Principale adjointe":             "adjoint",
		"Proviseur adjoint":               "adjoint",
		"Chef d'établissement adjoint":    "adjoint",
		"Correspondant ENT":               "correspondant_ent",
		"correspondante ENT du collège":   "correspondant_ent",
		"Référente ENT":                   "correspondant_ent",
		"chef_etablissement":              "chef_etablissement",
		"Professeur de SVT":               "Professeur de SVT",
		"Chef de travaux":                 "Chef de travaux",
		"Adjoint gestionnaire de cantine": "Adjoint gestionnaire de cantine",
		"Secrétaire":                      "Secrétaire",
	})
}

func TestPopulationWords(t *testing.T) {
	checkTable(t, "normPopulations", normPopulations, map[string][]string{
		"élèves":                        {"eleves"},
		"enseignant":                    {"enseignants"},
		"Enseignants, élèves":           {"enseignants", "eleves"},
		"les enseignants et les élèves": {"enseignants", "eleves"},
		"tous":                          {"tous"},
		"Tout le monde":                 {"tous"},
		"parents d'élèves / CPE":        {"parents", "vie_scolaire"},
		"Vie scolaire; direction":       {"vie_scolaire", "direction"},
		"élèves, Élèves":                {"eleves"},
		"martiens":                      {"martiens"},
	})
}

func TestPriorityWords(t *testing.T) {
	checkTable(t, "normPriority", normPriority, map[string]string{
		"bloquante": "bloquante", "Bloquante (l'ENT est indisponible)": "bloquante", "BLOQUANT": "bloquante",
		"Majeure": "majeure", "majeur": "majeure", "mineure": "mineure", "priorité mineure": "mineure",
		"urgente": "urgente",
	})
}

func TestEstablishment(t *testing.T) {
	for in, want := range map[string][3]string{
		"Collège du Pilat (0420001Y) / Bourg-Argental": {"0420001Y", "Collège du Pilat", "Bourg-Argental"},
		"Collège du Pilat (0420001A) / Bourg-Argental": {"0420001A", "Collège du Pilat", "Bourg-Argental"},
		"0420001y":                                          {"0420001Y", "", ""},
		"UAI 0420001Y - Collège du Pilat":                   {"0420001Y", "Collège du Pilat", ""},
		"Collège Jean-Moulin, Saint-Étienne":                {"", "Collège Jean-Moulin", "Saint-Étienne"},
		"Lycée Fauriel - Saint-Étienne":                     {"", "Lycée Fauriel", "Saint-Étienne"},
		"Collège du Pilat":                                  {"", "Collège du Pilat", ""},
		"0420034J / Saint-Étienne":                          {"0420034J", "", "Saint-Étienne"},
		"0420034J Lycée Jean Monnet / Saint-Étienne":        {"0420034J", "Lycée Jean Monnet", "Saint-Étienne"},
		"Collège du Pilat / ":                               {"", "Collège du Pilat", ""},
		"Collège du Pilat, RNE : 0420001 Y, Bourg-Argental": {"0420001Y", "Collège du Pilat", "Bourg-Argental"},
	} {
		u, n, c := splitEstablishment(in)
		if [3]string{u, n, c} != want {
			t.Errorf("splitEstablishment(%q) = %q %q %q, want %q", in, u, n, c, want)
		}
	}
	// A separate "Ville" line fills the city.
	r := parseRequest("Etablissement : Collège du Pilat\nVille : Bourg-Argental\n", "")
	if r.Establishment != "Collège du Pilat" || r.City != "Bourg-Argental" {
		t.Errorf("separate city: %+v", r)
	}
}

func TestLocation(t *testing.T) {
	checkTable(t, "normLocation", normLocation, map[string]string{
		"Accueil > Disciplines > SVT":                          "Accueil > Disciplines > SVT",
		"http://dupilat.cybercolleges42.fr/":                   "http://dupilat.cybercolleges42.fr/",
		"<https://x.example.org/page>":                         "https://x.example.org/page",
		"la page des manuels (https://x.example.org/manuels).": "https://x.example.org/manuels",
		"le site du collège":                                   "le site du collège",
	})
}

// TestReplyStyles: each way of quoting leaves only the answer.
func TestReplyStyles(t *testing.T) {
	for name, in := range map[string]string{
		"le-a-ecrit":         "Merci.\n\nLe 2 déc. 2026 à 10:44, Support <s@x> a écrit :\n> texte\n",
		"le-a-ecrit-wrapped": "Merci.\n\nLe mer. 2 déc. 2026 à 10:44, Support ENT <support@support.test> a\nécrit :\n\n> texte\n",
		"on-wrote":           "Merci.\n\nOn Wed, Dec 2, 2026 at 10:44 AM Support <s@x> wrote:\n> texte\n",
		"message-origine":    "Merci.\n\n-----Message d'origine-----\nDe : Support\nEnvoyé : hier\nÀ : moi\nObjet : x\n\ntexte\n",
		"original-message":   "Merci.\n\n-----Original Message-----\nFrom: Support\nSent: yesterday\nTo: me\nSubject: x\n\ntext\n",
		"outlook-fr":         "Merci.\n\nDe : Support ENT <s@x>\nEnvoyé : mercredi 2 décembre 2026 09:15\nÀ : Marie\nObjet : [CG42N1-1] x\n\ntexte\n",
		"outlook-bold":       "Merci.\n\n*De :* Support ENT <s@x>\n*Envoyé :* mercredi 2 décembre 2026 09:15\n*À :* Marie\n*Objet :* x\n\ntexte\n",
		"owa-en":             "Merci.\n\n________________________________\nFrom: Support ENT <s@x>\nSent: Wednesday, December 2, 2026 9:15 AM\nTo: Marie\nSubject: x\n\ntext\n",
		"signature":          "Merci.\n\n-- \nMarie Curie\nPrincipale\n",
		"quoted":             "> texte cité\nMerci.\n> encore\n",
		"iphone-fr":          "Merci.\n\nEnvoyé de mon iPhone\n\n> Le 2 déc. 2026 à 10:44, Support a écrit :\n> texte\n",
		"iphone-en":          "Merci.\n\nSent from my iPhone\n",
		"outlook-mobile":     "Merci.\n\nEnvoyé depuis Outlook\n",
		"zimbra":             "Merci.\n\n----- Mail original -----\nDe: Support\nÀ: Marie\nEnvoyé: Mardi\nObjet: x\n\ntexte\n",
		"crlf":               "Merci.\r\n\r\nLe 2 déc. 2026, Support a écrit :\r\n> texte\r\n",
	} {
		if got := Reply(in); got != "Merci." {
			t.Errorf("%s: Reply = %q", name, got)
		}
	}
	// A bottom-posted answer and an interleaved one are kept.
	in := "Le 2 déc. 2026, Support a écrit :\n> Question 1 ?\n\nRéponse 1.\n\n> Question 2 ?\n\nRéponse 2.\n"
	if got := Reply(in); got != "Réponse 1.\n\nRéponse 2." {
		t.Errorf("interleaved: %q", got)
	}
	// A forwarded message is content, not a quote.
	in = "Voir ci-dessous.\n\n-------- Message transféré --------\nDe : Prof <p@x>\nDate : hier\nObjet : panne\n\nLa page est blanche.\n"
	if got := Reply(in); !strings.Contains(got, "La page est blanche.") {
		t.Errorf("forward cut: %q", got)
	}
	// Plain text with colons is untouched.
	in = "Bonjour,\nObjet : la panne\nDe : 8h à 10h, rien ne marchait.\n"
	if got := Reply(in); got != strings.TrimSpace(in) {
		t.Errorf("plain text changed: %q", got)
	}
}

// checkTable runs f on each key of cases and compares with its value.
func checkTable[T any](t *testing.T, name string, f func(string) T, cases map[string]T) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%s(%q) = %#v, want %#v", name, in, got, want)
		}
	}
}

// TestRequestSplitLines: the name asked as "Nom" and "Prénom", the
// establishment as "Etablissement", "UAI" and "Ville" lines.
func TestRequestSplitLines(t *testing.T) {
	r := parseRequest("Nom : Curie\nPrénom : Marie\nEtablissement : Collège du Pilat\nCode UAI : 0420001Y\nVille : Bourg-Argental\nTél. : 06 39 98 12 34\n", "")
	if r.Name != "Marie Curie" || r.UAI != "0420001Y" || r.Establishment != "Collège du Pilat" || r.City != "Bourg-Argental" || r.Phone != "06 39 98 12 34" {
		t.Errorf("request: %+v", r)
	}
	if r := parseRequest("Nom et prénom : Marie Curie\nPrénom : Marie\n", ""); r.Name != "Marie Curie" {
		t.Errorf("name given twice: %q", r.Name)
	}
}

// TestRequestWrapped: a long value wrapped by the client continues on the
// next lines; a short one does not swallow the text after it.
func TestRequestWrapped(t *testing.T) {
	text := "Objet de la demande : Impossible de se connecter avec les comptes des parents\nd'élèves depuis la mise à jour\nFonction : Principal\nDegré de priorité : majeure\nMerci de votre aide.\n"
	r := parseRequest(text, "")
	if r.Subject != "Impossible de se connecter avec les comptes des parents d'élèves depuis la mise à jour" {
		t.Errorf("wrapped subject: %q", r.Subject)
	}
	if r.Function != "chef_etablissement" || r.Priority != "majeure" {
		t.Errorf("request: %+v", r)
	}
}

func TestPhoneAndCivility(t *testing.T) {
	checkTable(t, "normPhone", normPhone, map[string]string{
		"06 39 98 12 34":               "06 39 98 12 34",
		"06 39 98 12 34 (portable)":    "06 39 98 12 34",
		"Portable : 06.39.98.12.34":    "06.39.98.12.34",
		"+33 6 39 98 12 34":            "+33 6 39 98 12 34",
		"+33 (0)6 39 98 12 34":         "+33 (0)6 39 98 12 34",
		"0639981234 ou 04 99 00 12 34": "0639981234",
		"pas de téléphone":             "pas de téléphone",
		"12 34":                        "12 34",
	})
	checkTable(t, "stripCivility", stripCivility, map[string]string{
		"Mme Marie Curie": "Marie Curie", "M. Paul Martin": "Paul Martin", "Monsieur Paul Martin": "Paul Martin",
		"Marie Curie": "Marie Curie", "Mme": "Mme", "Mmeline Dupont": "Mmeline Dupont",
	})
}

// TestTemplateLabelsReadBack: a template written with TemplateLabel (the
// answer to an incomplete request) is read back whole by Request.
func TestTemplateLabelsReadBack(t *testing.T) {
	values := map[string]string{
		"name": "Marie Curie", "function": "Chef d'établissement", "phone": "06 39 98 12 34",
		"establishment": "0421234N", "subject": "Le cahier de textes reste vide",
		"population": "eleves, enseignants", "description": "Depuis ce matin, la page reste blanche.",
		"location": "Accueil > Vie scolaire", "priority": "majeure",
	}
	var b strings.Builder
	for _, k := range []string{"name", "function", "phone", "establishment", "subject", "population", "description", "location", "priority"} {
		if TemplateLabel(k) == "" {
			t.Fatalf("no label for %q", k)
		}
		b.WriteString(TemplateLabel(k) + " : " + values[k] + "\n")
	}
	r := parseRequest(b.String(), "")
	got := Request{Name: r.Name, Function: r.Function, Phone: r.Phone, UAI: r.UAI, Subject: r.Subject,
		Description: r.Description, Location: r.Location, Priority: r.Priority, Populations: r.Populations}
	want := Request{Name: "Marie Curie", Function: "chef_etablissement", Phone: "06 39 98 12 34", UAI: "0421234N",
		Subject: "Le cahier de textes reste vide", Description: "Depuis ce matin, la page reste blanche.",
		Location: "Accueil > Vie scolaire", Priority: "majeure", Populations: []string{"eleves", "enseignants"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
}
