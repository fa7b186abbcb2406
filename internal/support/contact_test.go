package support

import (
	"testing"
	"time"
)

func TestHoursState(t *testing.T) {
	h, err := ParseHours(DefaultContactHours)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, now string
		open      bool
		next      string // RFC 3339 in Paris's offset
	}{
		{"weekday before opening", "2026-12-02T07:00:00Z", false, "2026-12-02T08:30:00+01:00"},
		{"weekday at opening", "2026-12-02T07:30:00Z", true, "2026-12-02T18:00:00+01:00"},
		{"weekday during", "2026-12-02T10:15:00+01:00", true, "2026-12-02T18:00:00+01:00"},
		{"weekday one minute before closing", "2026-12-02T17:59:00+01:00", true, "2026-12-02T18:00:00+01:00"},
		{"weekday at closing", "2026-12-02T18:00:00+01:00", false, "2026-12-03T08:30:00+01:00"},
		{"weekday after closing", "2026-12-02T21:00:00+01:00", false, "2026-12-03T08:30:00+01:00"},
		{"Friday evening to Monday", "2026-12-04T18:30:00+01:00", false, "2026-12-07T08:30:00+01:00"},
		{"Saturday", "2026-12-05T11:00:00+01:00", false, "2026-12-07T08:30:00+01:00"},
		{"Sunday night", "2026-12-06T23:59:00+01:00", false, "2026-12-07T08:30:00+01:00"},
		{"Monday just after midnight in Paris, still Sunday in UTC", "2026-12-06T23:30:00Z", false, "2026-12-07T08:30:00+01:00"},
		{"summer: open at 15:59 UTC", "2026-07-01T15:59:00Z", true, "2026-07-01T18:00:00+02:00"},
		{"summer: closed at 16:00 UTC", "2026-07-01T16:00:00Z", false, "2026-07-02T08:30:00+02:00"},
		{"summer: 06:30 UTC is 08:30 in Paris", "2026-07-01T06:30:00Z", true, "2026-07-01T18:00:00+02:00"},
		// 2026: summer time starts Sunday 29 March, ends Sunday 25 October.
		{"spring change Sunday, to Monday in summer time", "2026-03-29T00:59:00Z", false, "2026-03-30T08:30:00+02:00"},
		{"spring change: Friday before, winter time", "2026-03-27T17:10:00Z", false, "2026-03-30T08:30:00+02:00"},
		{"spring change: Friday before, open at 16:59 UTC", "2026-03-27T16:59:00Z", true, "2026-03-27T18:00:00+01:00"},
		{"autumn change Sunday, to Monday in winter time", "2026-10-25T00:59:00Z", false, "2026-10-26T08:30:00+01:00"},
		{"autumn change: Monday after opens at 07:30 UTC", "2026-10-26T07:29:00Z", false, "2026-10-26T08:30:00+01:00"},
		{"autumn change: Friday before, still summer", "2026-10-23T06:30:00Z", true, "2026-10-23T18:00:00+02:00"},
		{"new year's eve, Thursday evening", "2026-12-31T19:00:00+01:00", false, "2027-01-01T08:30:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, next := h.State(utc(tt.now))
			if open != tt.open {
				t.Errorf("open = %v, want %v", open, tt.open)
			}
			if got := next.Format(time.RFC3339); got != tt.next {
				t.Errorf("next = %s, want %s", got, tt.next)
			}
		})
	}
}

// TestParisRuleMatchesZoneDatabase checks the computed Paris offset
// against the zone database, every hour of several years, where the
// database is available.
func TestParisRuleMatchesZoneDatabase(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("no zone database: %v", err) // the Go toolchain embeds one in tests via GOROOT
	}
	for u := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC); u.Year() < 2038; u = u.Add(time.Hour) {
		_, want := u.In(loc).Zone()
		_, got := inParis(u).Zone()
		if got != want {
			t.Fatalf("%s: offset %d, zone database says %d", u, got, want)
		}
	}
}

func TestParseHours(t *testing.T) {
	good := map[string]Hours{
		"mon-fri 08:30-18:00 Europe/Paris": {First: time.Monday, Last: time.Friday, Open: 510, Close: 1080, Zone: "Europe/Paris"},
		"SAT 09:00-12:00 UTC":              {First: time.Saturday, Last: time.Saturday, Open: 540, Close: 720, Zone: "UTC"},
		"sat-mon 00:00-24:00 Europe/Paris": {First: time.Saturday, Last: time.Monday, Open: 0, Close: 1440, Zone: "Europe/Paris"},
	}
	for s, want := range good {
		h, err := ParseHours(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if h.First != want.First || h.Last != want.Last || h.Open != want.Open || h.Close != want.Close || h.Zone != want.Zone {
			t.Errorf("%q = %+v, want %+v", s, h, want)
		}
	}
	for _, s := range []string{"", "mon-fri", "mon-fri 08:30-18:00", "lun-ven 08:30-18:00 Europe/Paris",
		"mon-fri 8:30-18:00 Europe/Paris", "mon-fri 18:00-08:30 Europe/Paris", "mon-fri 08:30-25:00 Europe/Paris",
		"mon-fri 08:30-18:00 Europe/Nowhere", "mon-fri 08:30-18:00 Europe/Paris extra"} {
		if _, err := ParseHours(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
	// A wrapping range: Saturday to Monday, so Sunday opens, Tuesday not.
	h, _ := ParseHours("sat-mon 09:00-12:00 UTC")
	if open, _ := h.State(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)); !open {
		t.Error("sat-mon closed on Sunday 10:00")
	}
	if open, next := h.State(time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)); open || next.Weekday() != time.Saturday {
		t.Errorf("sat-mon on Tuesday: open=%v next=%s", open, next)
	}
}
