// Package stay is the one place for calendar dates (API.md §1.5): the
// YYYY-MM-DD format, inclusive stays, overlap, and "today" in the server's
// time zone. It is a leaf: every module, the pages' server-side checks and
// the tests use it.
package stay

import (
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// Layout is the API's calendar date format (time.DateOnly).
const Layout = time.DateOnly

// Date is a calendar date, counted in days since 1970-01-01. Its zero value
// is 1970-01-01; dates before it are negative.
type Date int32

// Parse reads a real calendar date written YYYY-MM-DD (2026-02-30 and
// 2026-2-3 are refused). It allocates nothing: the search index reads
// millions of dates when it loads.
func Parse(s string) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, okY := num(s[0:4])
	m, okM := num(s[5:7])
	d, okD := num(s[8:10])
	if !okY || !okM || !okD || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return civil(y, m, d), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civil counts the days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", days_from_civil).
func civil(y, m, d int) Date {
	if m <= 2 {
		y--
	}
	era := int(floorDiv(int64(y), 400))
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date(era*146097 + doe - 719468)
}

// Valid reports whether s is a real calendar date written YYYY-MM-DD.
func Valid(s string) bool {
	_, ok := Parse(s)
	return ok
}

// FromTime is the calendar date of t in t's own location.
func FromTime(t time.Time) Date {
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(floorDiv(u.Unix(), 86400))
}

// Today is the date at now in loc (the server zone, API.md §1.5).
func Today(now time.Time, loc *time.Location) Date {
	return FromTime(now.In(loc))
}

// Time is the date's midnight in UTC.
func (d Date) Time() time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

// String writes the date YYYY-MM-DD.
func (d Date) String() string {
	return d.Time().Format(Layout)
}

// AddDays is the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return d + Date(n)
}

// Range is an inclusive stay [Start, End] (API.md §1.5: 2017-11-14 →
// 2017-11-15 is 2 days).
type Range struct {
	Start, End Date
}

// Days counts the days of the range, both ends included.
func (r Range) Days() int64 {
	return int64(r.End-r.Start) + 1
}

// Overlaps reports whether two inclusive ranges share a day:
// a.start ≤ b.end and b.start ≤ a.end.
func (r Range) Overlaps(o Range) bool {
	return r.Start <= o.End && o.Start <= r.End
}

// ParseRange reads an inclusive range; ok is false when a date is not real
// or end is before start.
func ParseRange(start, end string) (Range, bool) {
	s, okS := Parse(start)
	e, okE := Parse(end)
	if !okS || !okE || e < s {
		return Range{}, false
	}
	return Range{s, e}, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// LocalTime formats a datetime as PocketBase stores it (UTC) in loc with
// layout (API.md §1.5: ctime), "" when there is none.
func LocalTime(stored string, loc *time.Location, layout string) string {
	dt, err := types.ParseDateTime(stored)
	if err != nil || dt.IsZero() {
		return ""
	}
	return dt.Time().In(loc).Format(layout)
}
