package support

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The support channels of the procedure, published by a server that sets
// none of its own. The former address ent@loire.fr stopped working on 28
// November 2016 and must never be suggested.
const (
	DefaultContactEmail     = "cd42-support-admin@kdecole.fr"
	DefaultContactPhone     = "08 05 69 42 05"
	DefaultContactHours     = "mon-fri 08:30-18:00 Europe/Paris"
	DefaultMaintenancePhone = "04 77 48 41 41"
	// RetiredContactEmail no longer reaches anyone (since 28 November 2016).
	RetiredContactEmail = "ent@loire.fr"
)

// Channels are the ways to reach support besides the tool: e-mail (every
// day, the preferred one: it gives a ticket number), the phone line and
// its hours, and the phone for the maintenance of the public collèges'
// teaching network only.
type Channels struct {
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	Hours            string `json:"hours"`
	MaintenancePhone string `json:"maintenance_phone,omitempty"`
}

// DefaultChannels returns the procedure's channels.
func DefaultChannels() Channels {
	return Channels{Email: DefaultContactEmail, Phone: DefaultContactPhone, Hours: DefaultContactHours,
		MaintenancePhone: DefaultMaintenancePhone}
}

// OrDefaults returns the procedure's channels for zero Channels, and
// otherwise fills the e-mail, phone and hours left empty with them. An
// empty maintenance phone stays empty: that line is the Loire's own.
func (c Channels) OrDefaults() Channels {
	d := DefaultChannels()
	if c == (Channels{}) {
		return d
	}
	if c.Email == "" {
		c.Email = d.Email
	}
	if c.Phone == "" {
		c.Phone = d.Phone
	}
	if c.Hours == "" {
		c.Hours = d.Hours
	}
	return c
}

// Hours are when a phone line answers: the same opening and closing time
// on every day from First to Last (wrapping past Sunday), in one zone.
// Public holidays are not known: the line is taken as open on them.
type Hours struct {
	First, Last time.Weekday
	Open, Close int // minutes after midnight, local time
	Zone        string
	in          func(time.Time) time.Time // the instant in Zone's offset
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseDay(s string) (time.Weekday, bool) {
	for i, d := range dayNames {
		if strings.EqualFold(s, d) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// ParseHours reads "mon-fri 08:30-18:00 Europe/Paris": a day or a range of
// days (sun mon tue wed thu fri sat), opening and closing times, and an
// IANA zone. Europe/Paris and UTC need no zone database; any other zone is
// loaded from the system's (or the binary's embedded) database.
func ParseHours(s string) (Hours, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 {
		return Hours{}, fmt.Errorf("hours %q: want DAYS HH:MM-HH:MM ZONE, e.g. %q", s, DefaultContactHours)
	}
	var h Hours
	first, last, isRange := strings.Cut(parts[0], "-")
	var ok1, ok2 bool
	h.First, ok1 = parseDay(first)
	h.Last, ok2 = h.First, true
	if isRange {
		h.Last, ok2 = parseDay(last)
	}
	if !ok1 || !ok2 {
		return Hours{}, fmt.Errorf("hours %q: days must be like mon-fri", s)
	}
	open, closing, _ := strings.Cut(parts[1], "-")
	var okO, okC bool
	h.Open, okO = parseClock(open)
	h.Close, okC = parseClock(closing)
	if !okO || !okC || h.Open >= h.Close {
		return Hours{}, fmt.Errorf("hours %q: times must be like 08:30-18:00, opening before closing", s)
	}
	h.Zone = parts[2]
	switch h.Zone {
	case "Europe/Paris":
		h.in = inParis
	case "UTC":
		h.in = func(t time.Time) time.Time { return t.UTC() }
	default:
		loc, err := time.LoadLocation(h.Zone)
		if err != nil {
			return Hours{}, fmt.Errorf("hours %q: unknown time zone %q", s, h.Zone)
		}
		h.in = func(t time.Time) time.Time { return t.In(loc) }
	}
	return h, nil
}

// inParis returns t at Paris's offset, with the European Union's rule that
// has been Europe/Paris's since 1996: summer time (CEST, UTC+2) from the
// last Sunday of March to the last Sunday of October, both at 01:00 UTC;
// else CET (UTC+1). Computed here, it needs no zone database (Windows has
// none) and costs nothing to load.
func inParis(t time.Time) time.Time {
	u := t.UTC()
	y := u.Year()
	start := lastSunday(y, time.March).Add(time.Hour)
	end := lastSunday(y, time.October).Add(time.Hour)
	if !u.Before(start) && u.Before(end) {
		return u.In(cestZone)
	}
	return u.In(cetZone)
}

var (
	cetZone  = time.FixedZone("CET", 3600)
	cestZone = time.FixedZone("CEST", 7200)
)

func lastSunday(y int, m time.Month) time.Time {
	d := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC) // the month's last day
	return d.AddDate(0, 0, -int(d.Weekday()))
}

// onDay reports whether the line opens on weekday d.
func (h Hours) onDay(d time.Weekday) bool {
	if h.First <= h.Last {
		return d >= h.First && d <= h.Last
	}
	return d >= h.First || d <= h.Last
}

// at returns the instant of minute m of the local day of wall, in the
// zone's offset at that instant. Opening hours never fall in a change of
// offset (at night), so the offset of the day's noon serves.
func (h Hours) at(wall time.Time, m int) time.Time {
	noon := time.Date(wall.Year(), wall.Month(), wall.Day(), 12, 0, 0, 0, time.UTC)
	off := h.in(noon.Add(-2 * time.Hour))
	_, secs := off.Zone()
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), m/60, m%60, 0, 0, time.UTC).Add(-time.Duration(secs) * time.Second)
	return h.in(t)
}

// State says whether the line is open at now; when open, when it closes
// today; when closed, when it next opens. Times are in the line's zone.
func (h Hours) State(now time.Time) (open bool, next time.Time) {
	local := h.in(now)
	minute := local.Hour()*60 + local.Minute()
	if h.onDay(local.Weekday()) {
		if minute >= h.Open && minute < h.Close {
			return true, h.at(local, h.Close)
		}
		if minute < h.Open {
			return false, h.at(local, h.Open)
		}
	}
	for i := 1; i <= 7; i++ {
		d := local.AddDate(0, 0, i)
		if h.onDay(d.Weekday()) {
			return false, h.at(d, h.Open)
		}
	}
	return false, time.Time{} // unreachable: some day always opens
}

// InZone returns t in the line's zone.
func (h Hours) InZone(t time.Time) time.Time { return h.in(t) }
