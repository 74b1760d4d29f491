package house_test

import (
	"encoding/json"
	"math/big"
	"regexp"
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
