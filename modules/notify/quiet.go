package notify

import (
	"fmt"
	"strings"
	"time"
)

// quietHours is a daily span, in minutes after midnight in the server
// zone, during which messages that are not urgent wait; from == to means
// none. The span may wrap past midnight (22:00–08:00).
type quietHours struct {
	from, to int
}

// parseQuietHours reads "HH:MM-HH:MM", or "off".
func parseQuietHours(s string) (quietHours, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "none" {
		return quietHours{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	from, okA := clock(a)
	to, okB := clock(b)
	if !ok || !okA || !okB {
		return quietHours{}, fmt.Errorf("--notify-quiet-hours %q: want HH:MM-HH:MM (e.g. 22:00-08:00) or off", s)
	}
	return quietHours{from: from, to: to}, nil
}

func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// until reports whether now (read in loc) is in the quiet span, and when
// the span ends.
func (q quietHours) until(now time.Time, loc *time.Location) (time.Time, bool) {
	if q.from == q.to {
		return time.Time{}, false
	}
	local := now.In(loc)
	min := local.Hour()*60 + local.Minute()
	in := q.from < q.to && min >= q.from && min < q.to ||
		q.from > q.to && (min >= q.from || min < q.to)
	if !in {
		return time.Time{}, false
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), q.to/60, q.to%60, 0, 0, loc)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end, true
}
