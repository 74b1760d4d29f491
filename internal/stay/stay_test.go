package stay_test

import (
	"testing"
	"time"

	"ihome/internal/stay"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		ok   bool
		back string
	}{
		{"2026-11-29", true, "2026-11-29"},
		{"2028-02-29", true, "2028-02-29"},
		{"2026-02-29", false, ""},
		{"2026-02-30", false, ""},
		{"2026-2-3", false, ""},
		{"1969-12-31", true, "1969-12-31"},
		{"1970-01-01", true, "1970-01-01"},
		{" 2026-01-01", false, ""},
		{"", false, ""},
	} {
		d, ok := stay.Parse(c.in)
		if ok != c.ok || (ok && d.String() != c.back) {
			t.Errorf("Parse(%q) = %v %v, want %v %q", c.in, d, ok, c.ok, c.back)
		}
	}
	if d, _ := stay.Parse("1969-12-31"); d != -1 {
		t.Errorf("1969-12-31 = %d, want -1", d)
	}
}

func TestRange(t *testing.T) {
	r, ok := stay.ParseRange("2017-11-14", "2017-11-15")
	if !ok || r.Days() != 2 {
		t.Fatalf("days = %d %v, want 2", r.Days(), ok)
	}
	if _, ok := stay.ParseRange("2017-11-15", "2017-11-14"); ok {
		t.Fatal("inverted range accepted")
	}
	leap, _ := stay.ParseRange("2028-02-28", "2028-03-01")
	if leap.Days() != 3 {
		t.Fatalf("leap days = %d, want 3", leap.Days())
	}
	a, _ := stay.ParseRange("2026-01-01", "2026-01-05")
	for _, c := range []struct {
		s, e string
		want bool
	}{
		{"2026-01-05", "2026-01-09", true},  // shares the last day
		{"2025-12-28", "2026-01-01", true},  // shares the first day
		{"2026-01-06", "2026-01-09", false}, // the day after
		{"2025-12-01", "2025-12-31", false},
		{"2026-01-02", "2026-01-03", true}, // inside
	} {
		b, _ := stay.ParseRange(c.s, c.e)
		if a.Overlaps(b) != c.want || b.Overlaps(a) != c.want {
			t.Errorf("overlap %s..%s = %v, want %v", c.s, c.e, a.Overlaps(b), c.want)
		}
	}
}

func TestToday(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-29 17:30 UTC is already the 30th in Shanghai
	now := time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC)
	if got := stay.Today(now, shanghai).String(); got != "2026-11-30" {
		t.Fatalf("today in Shanghai = %s", got)
	}
	if got := stay.Today(now, time.UTC).String(); got != "2026-11-29" {
		t.Fatalf("today in UTC = %s", got)
	}
	if d, _ := stay.Parse("2026-11-29"); d.AddDays(3).String() != "2026-12-02" {
		t.Fatalf("AddDays across a month end = %s", d.AddDays(3))
	}
}

// TestParseAgreesWithTime: the hand-written parser counts days exactly as
// the time package does, over four centuries around now and the epoch.
func TestParseAgreesWithTime(t *testing.T) {
	for day := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2401; day = day.AddDate(0, 0, 1) {
		s := day.Format(stay.Layout)
		d, ok := stay.Parse(s)
		if !ok || d != stay.FromTime(day) || d.String() != s {
			t.Fatalf("Parse(%s) = %d %v, want %d", s, d, ok, stay.FromTime(day))
		}
	}
}
