package user

import (
	"strings"
	"time"
)

// ValidIDCard checks an 18-character resident identity number (GB 11643):
// 17 digits and a check character, a region code in a real province, a
// birth date that exists and lies between 1900-01-01 and today, and the
// ISO 7064 MOD 11-2 check character. It returns the number with a final
// x upper-cased, as stored.
func ValidIDCard(s string, today time.Time) (normalized string, ok bool) {
	if len(s) != 18 {
		return "", false
	}
	s = strings.ToUpper(s)
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if s[17] != CheckChar(s[:17]) {
		return "", false
	}
	if !provinceCode(atoi(s[0:2])) {
		return "", false
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	birth := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if birth.Year() != y || int(birth.Month()) != m || birth.Day() != d { // Feb 30 rolls over
		return "", false
	}
	ty, tm, td := today.Date()
	if y < 1900 || birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return "", false
	}
	return s, true
}

// CheckChar is the ISO 7064 MOD 11-2 check character of the first 17
// digits of an id card number.
func CheckChar(body17 string) byte {
	// 2^(17-i) mod 11: the MOD 11-2 weights of digits 1–17
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// provinceCode reports whether p is the first two digits of a region code
// of GB/T 2260 (provinces, 71 Taiwan, 81–82 Hong Kong and Macau, 91 for
// residents abroad).
func provinceCode(p int) bool {
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37,
		p >= 41 && p <= 46, p >= 50 && p <= 54, p >= 61 && p <= 65:
		return true
	}
	return p == 71 || p == 81 || p == 82 || p == 91
}

// atoi reads a string already known to be digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
