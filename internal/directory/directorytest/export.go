// Package directorytest generates national directory exports of any size
// for tests and benchmarks, in the format of ../testdata/annuaire_export.csv.
package directorytest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Export is a generated file and what an import of it must report.
type Export struct {
	CSV []byte
	// Valid lines are imported (added the first time, unchanged after);
	// Refused ones are reported with their reason.
	Valid, Refused int
	// Renamed is the line number and UAI of a valid establishment whose
	// name Rename changes.
	RenamedLine int
	RenamedUAI  string
}

// Rename returns the export with one establishment renamed: a re-import
// must report exactly that line as updated.
func (x Export) Rename() []byte {
	lines := bytes.SplitAfter(x.CSV, []byte("\n"))
	for i, l := range lines {
		if bytes.Contains(l, []byte(";"+x.RenamedUAI+";")) {
			lines[i] = bytes.Replace(l, []byte(";Collège "), []byte(";Collège (cité scolaire) "), 1)
			break
		}
	}
	return bytes.Join(lines, nil)
}

// header is the geolocated export's, as in ../testdata: the importer
// picks its columns by name.
const header = "libelle_departement;adresse_uai;appellation_officielle;code_postal_uai;secteur_public_prive_libe;" +
	"libelle_commune;numero_uai;nature_uai_libe;latitude;longitude;code_departement;libelle_academie;" +
	"denomination_principale;patronyme_uai;etat_etablissement_libe;date_ouverture\n"

type department struct {
	code, name, academy string
	cities              []string
	lat, lon            float64
}

var departments = []department{
	{"001", "Ain", "Lyon", []string{"Bourg-en-Bresse", "Oyonnax", "Ambérieu-en-Bugey"}, 46.20, 5.22},
	{"002", "Aisne", "Amiens", []string{"Laon", "Saint-Quentin", "Soissons"}, 49.56, 3.62},
	{"006", "Alpes-Maritimes", "Nice", []string{"Nice", "Cannes", "Antibes", "Grasse"}, 43.70, 7.27},
	{"013", "Bouches-du-Rhône", "Aix-Marseille", []string{"Marseille", "Aix-en-Provence", "Arles", "Aubagne"}, 43.30, 5.37},
	{"021", "Côte-d'Or", "Dijon", []string{"Dijon", "Beaune", "Chenôve"}, 47.32, 5.04},
	{"029", "Finistère", "Rennes", []string{"Brest", "Quimper", "Morlaix", "Landerneau"}, 48.39, -4.49},
	{"031", "Haute-Garonne", "Toulouse", []string{"Toulouse", "Colomiers", "Muret", "Saint-Gaudens"}, 43.60, 1.44},
	{"033", "Gironde", "Bordeaux", []string{"Bordeaux", "Mérignac", "Pessac", "Libourne"}, 44.84, -0.58},
	{"038", "Isère", "Grenoble", []string{"Grenoble", "Vienne", "Échirolles", "Voiron"}, 45.19, 5.72},
	{"042", "Loire", "Lyon", []string{"Saint-Étienne", "Roanne", "Montbrison", "Saint-Genest-Malifaux"}, 45.43, 4.39},
	{"044", "Loire-Atlantique", "Nantes", []string{"Nantes", "Saint-Nazaire", "Rezé"}, 47.22, -1.55},
	{"057", "Moselle", "Nancy-Metz", []string{"Metz", "Thionville", "Forbach", "Sarreguemines"}, 49.12, 6.18},
	{"059", "Nord", "Lille", []string{"Lille", "Roubaix", "Tourcoing", "Dunkerque", "Valenciennes"}, 50.63, 3.06},
	{"062", "Pas-de-Calais", "Lille", []string{"Arras", "Calais", "Boulogne-sur-Mer", "Lens"}, 50.29, 2.78},
	{"067", "Bas-Rhin", "Strasbourg", []string{"Strasbourg", "Haguenau", "Sélestat"}, 48.57, 7.75},
	{"069", "Rhône", "Lyon", []string{"Lyon", "Villeurbanne", "Vénissieux", "Villefranche-sur-Saône"}, 45.76, 4.84},
	{"075", "Paris", "Paris", []string{"Paris"}, 48.86, 2.35},
	{"076", "Seine-Maritime", "Normandie", []string{"Rouen", "Le Havre", "Dieppe"}, 49.44, 1.10},
	{"083", "Var", "Nice", []string{"Toulon", "Fréjus", "Hyères", "Draguignan"}, 43.12, 5.93},
	{"092", "Hauts-de-Seine", "Versailles", []string{"Nanterre", "Boulogne-Billancourt", "Colombes", "Antony"}, 48.89, 2.21},
	{"093", "Seine-Saint-Denis", "Créteil", []string{"Saint-Denis", "Montreuil", "Aubervilliers", "Bobigny"}, 48.94, 2.36},
	{"974", "La Réunion", "La Réunion", []string{"Saint-Denis", "Saint-Paul", "Saint-Pierre", "Le Tampon"}, -20.88, 55.45},
}

// kinds are the natures of establishment, weighted as in the real file
// (mostly primary schools).
var kinds = []struct{ nature, denomination, prefix string }{
	{"ECOLE MATERNELLE", "ECOLE MATERNELLE PUBLIQUE", "École maternelle"},
	{"ECOLE MATERNELLE", "ECOLE MATERNELLE PUBLIQUE", "École maternelle"},
	{"ECOLE DE NIVEAU ELEMENTAIRE", "ECOLE ELEMENTAIRE PUBLIQUE", "École élémentaire"},
	{"ECOLE DE NIVEAU ELEMENTAIRE", "ECOLE ELEMENTAIRE PUBLIQUE", "École élémentaire"},
	{"ECOLE DE NIVEAU ELEMENTAIRE", "ECOLE PRIMAIRE PUBLIQUE", "École primaire"},
	{"ECOLE DE NIVEAU ELEMENTAIRE", "ECOLE PRIMAIRE PRIVEE", "École primaire privée"},
	{"COLLEGE", "COLLEGE", "Collège"},
	{"LYCEE GENERAL ET TECHNOLOGIQUE", "LYCEE GENERAL ET TECHNOLOGIQUE", "Lycée général et technologique"},
	{"LYCEE PROFESSIONNEL", "LYCEE PROFESSIONNEL", "Lycée professionnel"},
}

var patronyms = []string{"Jean Moulin", "Jules Ferry", "Victor Hugo", "Louise Michel", "Jean Jaurès",
	"Marie Curie", "Pierre et Marie Curie", "Jacques Prévert", "Paul Éluard", "Antoine de Saint-Exupéry",
	"Albert Camus", "Simone Veil", "Les Tilleuls", "Le Petit Prince", "Honoré d'Urfé", "Champollion",
	"Jean de La Fontaine", "Condorcet", "Émile Zola", "George Sand", "Lucie Aubrac", "Les Coquelicots"}

var streets = []string{"rue de la Paix", "avenue Jean Jaurès", "place de l'Hôtel de Ville", "rue des Écoles",
	"chemin des Vignes", "boulevard Victor Hugo", "allée des Tilleuls", "rue du Stade", "route de Lyon"}

// NationalExport returns an export of n data lines. About one line in
// 400 is refused, for the reasons the real file gives: a UAI whose key
// letter is wrong, a UAI given twice, a line without any name. Some
// addresses hold quoted ";" or line breaks, and some establishments have
// no official name (the importer then builds it from the kind and the
// patronym), as in the real export.
func NationalExport(n int) Export {
	var b bytes.Buffer
	b.Grow(n * 220)
	b.WriteString("\uFEFF" + header)
	var x Export
	var valid []string
	seq := map[string]int{}
	line := 1
	for i := range n {
		d := departments[i%len(departments)]
		k := kinds[(i/len(departments))%len(kinds)]
		p := patronyms[(i*7)%len(patronyms)]
		city := d.cities[(i/3)%len(d.cities)]
		seq[d.code]++
		digits := d.code + fmt.Sprintf("%04d", seq[d.code])
		uai := digits + string(support.UAIKey(digits))
		name := k.prefix + " " + p
		if k.prefix == "Collège" {
			name = "Collège " + p
		}
		denomination, patronym := k.denomination, strings.ToUpper(p)
		address := fmt.Sprintf("%d %s", 1+i%120, streets[i%len(streets)])
		refused := true
		switch {
		case i%997 == 500:
			uai = digits + string('A'+(support.UAIKey(digits)-'A'+1)%26) // a typo in the key
		case i%1499 == 700 && len(valid) > 0:
			uai = valid[len(valid)/2] // the same establishment twice
		case i%2003 == 1000:
			name, denomination, patronym = "", "", ""
		default:
			refused = false
			valid = append(valid, uai)
		}
		switch {
		case i%50 == 3:
			address = `"` + address + `; bâtiment B"`
		case i%500 == 7:
			address = `"` + address + "\nBP " + fmt.Sprint(i%90+10) + `"`
		}
		if !refused && i%33 == 5 {
			name = "" // built from denomination and patronym
		}
		if !refused && x.RenamedUAI == "" && k.prefix == "Collège" && name != "" && i > n/2 {
			x.RenamedLine, x.RenamedUAI = line+1, uai
		}
		line += 1 + strings.Count(address, "\n")
		postcode := d.code[1:] + fmt.Sprintf("%03d", (i*13)%1000)
		if d.code[0] != '0' {
			postcode = d.code + fmt.Sprintf("%02d", i%100)
		}
		public := "Public"
		if strings.HasSuffix(denomination, "PRIVEE") {
			public = "Privé"
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s;%.4f;%.4f;%s;%s;%s;%s;OUVERT;%d-09-01\n",
			d.name, address, name, postcode, public, city, uai, k.nature,
			d.lat+float64(i%200)/1000, d.lon+float64(i%300)/1000, d.code, d.academy, denomination, patronym, 1900+i%120)
		if refused {
			x.Refused++
		} else {
			x.Valid++
		}
	}
	x.CSV = b.Bytes()
	return x
}
