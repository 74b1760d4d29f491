package intid_test

import (
	"regexp"
	"strconv"
	"testing"

	"ihome/internal/intid"
)

// FuzzInt: an id from a URL or a body is either the exact decimal number
// it spells or 0; ids of the integer-id pattern round-trip exactly.
func FuzzInt(f *testing.F) {
	for _, s := range []string{
		"1", "7", "007", "0", "-5", "+7", " 7", "7 ", "1e3", "0x10", "9223372036854775807",
		"9223372036854775808", "999999999999999", "1000000000000000", "", "abc", "1/2", "../1", "1;DROP", "٣",
	} {
		f.Add(s)
	}
	pattern := regexp.MustCompile(intid.Pattern)
	f.Fuzz(func(t *testing.T, s string) {
		n := intid.Int(s)
		if want, err := strconv.ParseInt(s, 10, 64); err != nil && n != 0 || err == nil && n != want {
			t.Fatalf("Int(%q) = %d, want %d (%v)", s, n, want, err)
		}
		if pattern.MatchString(s) && (n < 1 || intid.String(n) != s) {
			t.Fatalf("id %q does not round-trip: %d", s, n)
		}
		if n > 0 && intid.Int(intid.String(n)) != n {
			t.Fatalf("String(%d) does not round-trip", n)
		}
	})
}
