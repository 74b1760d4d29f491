// Package params reads request parameters the way API.md §1.6 says: a JSON
// object or a form-encoded body with the same fields, numbers as numbers or
// numeric strings, unknown fields ignored, and every refusal a 4103 that
// names the field by its API name.
package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/internal/errno"
	"ihome/internal/text"
)

// Values are the decoded parameters of one request body. A value is a
// string, a json.Number, a bool, a []any or a map; form fields are strings,
// or []any of strings when repeated.
type Values map[string]any

// Body decodes the request body. An empty body gives no values (the
// required-field checks then name what is missing).
func Body(e *core.RequestEvent) (Values, error) {
	raw, err := io.ReadAll(e.Request.Body)
	if err != nil {
		var apiErr *router.ApiError
		if errors.As(err, &apiErr) {
			return nil, err // body too large: the envelope answers 413
		}
		return nil, errno.Param("body")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return Values{}, nil
	}
	mediaType, _, _ := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		return fromForm(string(raw))
	}
	if !utf8.Valid(raw) {
		return nil, errno.Param("body")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v := Values{}
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, errno.Param("body")
	}
	return v, nil
}

// Query returns the URL query parameters as Values.
func Query(e *core.RequestEvent) Values {
	return fromURLValues(e.Request.URL.Query())
}

func fromForm(raw string) (Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errno.Param("body")
	}
	return fromURLValues(q), nil
}

func fromURLValues(q url.Values) Values {
	v := Values{}
	for k, vals := range q {
		k = strings.TrimSuffix(k, "[]")
		if len(vals) == 1 {
			if prev, ok := v[k]; ok { // "facility" and "facility[]" both sent
				v[k] = append(asList(prev), vals[0])
				continue
			}
			v[k] = vals[0]
			continue
		}
		list := make([]any, 0, len(vals))
		for _, s := range vals {
			list = append(list, s)
		}
		v[k] = append(asList(v[k]), list...)
	}
	return v
}

func asList(x any) []any {
	switch t := x.(type) {
	case nil:
		return nil
	case []any:
		return t
	default:
		return []any{t}
	}
}

// Has reports whether name was sent at all.
func (v Values) Has(name string) bool {
	_, ok := v[name]
	return ok
}

// Text returns the required free-text field name under the one rule of
// API.md §1.7 (see package text): NFC, trimmed, min–max characters, no
// control, format, separator or filler characters. The value must be a
// string: a JSON number, bool, null, array or object is the wrong type
// (§1.7 "Types"). Every refusal is 4103 naming the field.
func (v Values) Text(name string, min, max int) (string, error) {
	s, ok := v[name].(string)
	if !ok {
		return "", errno.Param(name)
	}
	return text.Clean(name, s, min, max)
}

// TextLines is Text for multi-line text (a review written in a textarea):
// line breaks inside are kept, as LF (text.CleanLines).
func (v Values) TextLines(name string, min, max int) (string, error) {
	s, ok := v[name].(string)
	if !ok {
		return "", errno.Param(name)
	}
	return text.CleanLines(name, s, min, max)
}

// String returns the trimmed text of a required code-like field (mobile,
// captcha and SMS codes, dates, an action): a string, or a number's
// decimal text, since a client may send a numeric code as a number.
// Missing, empty or of another type → 4103. Free text (names, titles,
// reviews…) is read with Text instead.
func (v Values) String(name string) (string, error) {
	s, ok := v.text(name)
	if !ok || s == "" {
		return "", errno.Param(name)
	}
	return s, nil
}

// OptionalString returns the trimmed text of name, "" when absent.
func (v Values) OptionalString(name string) (string, error) {
	if _, present := v[name]; !present {
		return "", nil
	}
	if v[name] == nil {
		return "", nil
	}
	s, ok := v.text(name)
	if !ok {
		return "", errno.Param(name)
	}
	return s, nil
}

func (v Values) text(name string) (string, bool) {
	switch t := v[name].(type) {
	case string:
		if !utf8.ValidString(t) {
			return "", false
		}
		return strings.TrimSpace(t), true
	case json.Number:
		return t.String(), true
	default:
		return "", false
	}
}

// Int returns a required integer given as a number or a numeric string,
// within [min, max]; otherwise 4103.
func (v Values) Int(name string, min, max int64) (int64, error) {
	n, ok := toInt(v[name])
	if !ok || n < min || n > max {
		return 0, errno.Param(name)
	}
	return n, nil
}

// IntList returns a list of integers (a JSON array, or a repeated form
// field); absent means empty. Any non-integer item → 4103.
func (v Values) IntList(name string, maxLen int) ([]int64, error) {
	raw, present := v[name]
	if !present || raw == nil {
		return []int64{}, nil
	}
	items := asList(raw)
	if s, ok := raw.(string); ok && strings.TrimSpace(s) == "" {
		items = nil // an empty form field means none
	}
	if len(items) > maxLen {
		return nil, errno.Param(name)
	}
	out := make([]int64, 0, len(items))
	for _, it := range items {
		n, ok := toInt(it)
		if !ok {
			return nil, errno.Param(name)
		}
		out = append(out, n)
	}
	return out, nil
}

// decimalPattern is plain decimal number syntax (JSON's, with an optional
// sign): no hex, no digit separators, a short exponent.
var decimalPattern = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$`)

// toInt reads an integer exactly: 7, "7", 7.0 and 7e1 are integers; 7.5,
// 0.99999999999999999999 (which a float would round to 1), 0x1p1 and 1_0
// are not.
func toInt(x any) (int64, bool) {
	var s string
	switch t := x.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if !decimalPattern.MatchString(s) {
		return 0, false
	}
	// a fraction or exponent form came from floating point somewhere:
	// beyond 2^53 it cannot be trusted to be the integer meant
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() || new(big.Rat).Abs(r).Cmp(big.NewRat(1<<53, 1)) > 0 {
		return 0, false
	}
	return r.Num().Int64(), true
}
