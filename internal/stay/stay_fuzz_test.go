package stay_test

import (
	"strconv"
	"testing"

	"ihome/internal/stay"
)

// FuzzValid checks Valid against a calendar written out by hand.
func FuzzValid(f *testing.F) {
	for _, s := range []string{
		"2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-01-32", "2024-04-31", "0000-01-01", "9999-12-31", "2024-1-01", "2024/01/01", "+024-01-01",
		"2024-01-01T00:00:00Z", " 2024-01-01", "２０２４-01-01", "", "2024-01-0\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := stay.Valid(s), calendarDate(s); got != want {
			t.Fatalf("Valid(%q) = %v, want %v", s, got, want)
		}
	})
}

func calendarDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days[2] = 29
	}
	return m >= 1 && m <= 12 && d >= 1 && d <= days[m]
}
