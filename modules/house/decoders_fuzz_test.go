package house_test

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ihome/modules/house"
)

// plainDecimal is an unsigned decimal without exponent: the only shape a
// yuan amount may have.
var plainDecimal = regexp.MustCompile(`^([0-9]+)(\.([0-9]+))?$`)

// FuzzParseYuan checks ParseYuan against exact arithmetic: what it accepts
// is a plain decimal of at most two decimals whose value ×100 is exactly
// the fen returned; every such amount below 10^9 yuan written without
// leading zeros is accepted.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{
		"0.29", "199.5", "1", "0", "1000000", "12.34", " 7 ", "0.1", "0.01", "999999999.99", "1000000000",
		"1e3", "-1", "+1", "1.234", ".5", "5.", "01", "0x10", "", "abc", "1 000", "1.", "0.00", "00",
		"9223372036854775807", "1\n", "١", "1.2\x00",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, number bool) {
		var v any = s
		text := strings.TrimSpace(s)
		if number {
			v, text = json.Number(s), s
		}
		fen, ok := house.ParseYuan(v)
		m := plainDecimal.FindStringSubmatch(text)
		shapely := m != nil && len(m[3]) <= 2 && (m[1] == "0" || (m[1][0] != '0' && len(m[1]) <= 9))
		if ok != shapely {
			t.Fatalf("ParseYuan(%q) ok=%v, want %v", s, ok, shapely)
		}
		if !ok {
			return
		}
		exact, _ := new(big.Rat).SetString(text)
		if exact.Mul(exact, big.NewRat(100, 1)).Cmp(big.NewRat(fen, 1)) != 0 || fen < 0 {
			t.Fatalf("ParseYuan(%q) = %d fen, not the value sent", s, fen)
		}
	})
}

// FuzzValidDate checks ValidDate against a calendar written out by hand.
func FuzzValidDate(f *testing.F) {
	for _, s := range []string{
		"2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-01-32", "2024-04-31", "0000-01-01", "9999-12-31", "2024-1-01", "2024/01/01", "+024-01-01",
		"2024-01-01T00:00:00Z", " 2024-01-01", "２０２４-01-01", "", "2024-01-0\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := house.ValidDate(s), calendarDate(s); got != want {
			t.Fatalf("ValidDate(%q) = %v, want %v", s, got, want)
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
