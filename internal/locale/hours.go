package locale

import (
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Hours says a phone line's opening hours in words: "du lundi au
// vendredi, de 08:30 à 18:00 (heure de Paris)". `contact` and the server's
// answers by e-mail say them the same way.
func Hours(lang string, h support.Hours) string {
	clock := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
	day := func(d int) string { return T(lang, "cli.contact.day."+fmt.Sprint(d), nil) }
	key := "cli.contact.hours_one_day"
	if h.First != h.Last {
		key = "cli.contact.hours"
	}
	return T(lang, key, map[string]string{"from": day(int(h.First)), "to": day(int(h.Last)),
		"open": clock(h.Open), "close": clock(h.Close), "zone": city(h.Zone)})
}

// city names a zone by its city: "Europe/Paris" is "Paris".
func city(zone string) string {
	if i := strings.LastIndexByte(zone, '/'); i >= 0 {
		zone = zone[i+1:]
	}
	return strings.ReplaceAll(zone, "_", " ")
}
