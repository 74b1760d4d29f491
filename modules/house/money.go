package house

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// yuanPattern is a plain decimal amount with at most two decimals: no sign,
// no exponent, no spaces inside.
var yuanPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$`)

// ParseYuan converts a yuan amount, given as a JSON number or a string, to
// integer fen without going through floating point ("0.29" → 29).
func ParseYuan(v any) (fen int64, ok bool) {
	var s string
	switch t := v.(type) {
	case string:
		s = strings.TrimSpace(t)
	case json.Number:
		s = t.String()
	default:
		return 0, false
	}
	m := yuanPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	whole, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	cents := int64(0)
	if frac := strings.TrimPrefix(m[2], "."); frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		cents, _ = strconv.ParseInt(frac, 10, 64)
	}
	return whole*100 + cents, true
}
