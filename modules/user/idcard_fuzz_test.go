package user_test

import (
	"strings"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules/user"
)

// FuzzValidIDCard checks ValidIDCard against GB 11643 written out again:
// 17 digits, an ISO 7064 MOD 11-2 check character, a province code, a birth
// date between 1900-01-01 and today; the accepted form is upper case and
// accepted again as is.
func FuzzValidIDCard(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "110101199001010015", "110101199001010013",
		"110101202406010018", "110101202406020013", "110101199002300014", "00010119900101001X",
		"1101A5194912310021", "１１０１０５１９４９１２３１００２Ｘ", "", "11010519491231002X0", "11010519491231002\xff",
		apptest.FakeIDCard(1), apptest.FakeIDCard(999),
	} {
		f.Add(s)
	}
	today := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := user.ValidIDCard(s, today)
		want := gb11643(s, today)
		if ok != want {
			t.Fatalf("ValidIDCard(%q) ok=%v, want %v", s, ok, want)
		}
		if !ok {
			if got != "" {
				t.Fatalf("refused %q but returned %q", s, got)
			}
			return
		}
		if got != strings.ToUpper(s) {
			t.Fatalf("ValidIDCard(%q) = %q, want it upper-cased", s, got)
		}
		if again, ok := user.ValidIDCard(got, today); !ok || again != got {
			t.Fatalf("the stored form %q is not accepted as is", got)
		}
	})
}

func gb11643(s string, today time.Time) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		w := 1
		for range 17 - i {
			w = w * 2 % 11
		}
		sum += int(s[i]-'0') * w
	}
	check := (12 - sum%11) % 11
	last := s[17]
	if check == 10 && last != 'X' && last != 'x' || check < 10 && last != byte('0'+check) {
		return false
	}
	provinces := map[string]bool{}
	for _, p := range strings.Fields("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 91") {
		provinces[p] = true
	}
	if !provinces[s[:2]] {
		return false
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return false
	}
	return birth.Year() >= 1900 && !birth.After(today)
}
