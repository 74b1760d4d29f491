package params_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/errno"
	"ihome/internal/params"
)

// event is a request event carrying body with the given content type.
func event(body []byte, contentType string) *core.RequestEvent {
	e := new(core.RequestEvent)
	e.Request = httptest.NewRequest("POST", "/api/v1.0/x", bytes.NewReader(body))
	e.Request.Header.Set("Content-Type", contentType)
	e.Response = httptest.NewRecorder()
	return e
}

// isParamErr reports whether err is a 4103 that names field.
func isParamErr(err error, field string) bool {
	var be *errno.Error
	return errors.As(err, &be) && be.Code == errno.ParamErr && strings.HasSuffix(be.Msg, ": "+field)
}

// FuzzBody decodes arbitrary JSON and form bodies and reads every field
// with every accessor: nothing may panic, a refusal is always a 4103
// naming the field, and what is accepted keeps the accessors' promises.
func FuzzBody(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"a":1}{"b":2}`, `{"a":`, strings.Repeat("[", 5000),
		`{"mobile":"13800000001","password":"secret-pass-1"}`,
		`{"n":"7","m":7.0,"x":7.5,"big":1e400,"neg":-3,"s":"  padded  ","nil":null,"b":true}`,
		`{"facility":[1,"2",3.0,"x"],"facility[]":[4]}`, `{"facility":"","e":[]}`,
		`{"name":"\u0000\u202e","bad":"\ud800"}`, "{\"raw\":\"\xff\xfe\"}",
		`{"n":"0x1p1","u":"1_0","r":"0.99999999999999999999","h":"9007199254740993.0"}`,
		`a=1&a=2&facility=1&facility[]=2`, `facility[]=&name=%20x%20`, `%zz=1`, `n=%FF%FE`, `;;&&==`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		ct := "application/json"
		if form {
			ct = "application/x-www-form-urlencoded"
		}
		v, err := params.Body(event(body, ct))
		if err != nil {
			if !isParamErr(err, "body") || v != nil {
				t.Fatalf("refusal %v with values %v", err, v)
			}
			return
		}
		names := []string{"n", "facility", "mobile", ""}
		for k := range v {
			names = append(names, k)
		}
		for _, name := range names {
			if s, err := v.String(name); err == nil {
				if s == "" || !utf8.ValidString(s) || s != strings.TrimSpace(s) {
					t.Fatalf("String(%q) = %q", name, s)
				}
			} else if !isParamErr(err, name) {
				t.Fatalf("String(%q): %v", name, err)
			}
			if s, err := v.OptionalString(name); err == nil {
				if !utf8.ValidString(s) || s != strings.TrimSpace(s) {
					t.Fatalf("OptionalString(%q) = %q", name, s)
				}
			} else if !isParamErr(err, name) {
				t.Fatalf("OptionalString(%q): %v", name, err)
			}
			for _, read := range []func(string, int, int) (string, error){v.Text, v.TextLines} {
				if s, err := read(name, 1, 64); err == nil {
					if _, isString := v[name].(string); !isString || s == "" || !utf8.ValidString(s) || s != strings.TrimSpace(s) {
						t.Fatalf("Text(%q) = %q from %#v", name, s, v[name])
					}
				} else if !isParamErr(err, name) {
					t.Fatalf("Text(%q): %v", name, err)
				}
			}
			if n, err := v.Int(name, -100, 1<<40); err == nil {
				if n < -100 || n > 1<<40 {
					t.Fatalf("Int(%q) = %d out of range", name, n)
				}
			} else if !isParamErr(err, name) {
				t.Fatalf("Int(%q): %v", name, err)
			}
			if list, err := v.IntList(name, 8); err == nil {
				if len(list) > 8 {
					t.Fatalf("IntList(%q) has %d items", name, len(list))
				}
			} else if !isParamErr(err, name) {
				t.Fatalf("IntList(%q): %v", name, err)
			}
			_ = v.Has(name)
		}
	})
}

// decimal is the syntax of a decimal number: what a client may send as a
// JSON number or a numeric string. The exponent is kept short so the
// oracle below stays cheap.
var decimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$`)

var plainInt = regexp.MustCompile(`^[+-]?[0-9]+$`)

// FuzzInt checks Values.Int against an exact oracle: a value is accepted
// only when it is a decimal number whose exact value is an integer within
// the bounds (a non-plain form only up to 2^53), and then it is that value.
func FuzzInt(f *testing.F) {
	for _, s := range []string{
		"7", " 7 ", "+7", "-7", "007", "7.0", "7.5", "7e0", "7e1", "1e400", "-0", "0.0", "",
		"9223372036854775807", "9223372036854775808", "9007199254740992.0", "9007199254740993.0",
		"0.99999999999999999999", "0x10", "0x1p1", "1_0", "Inf", "NaN", "٣", "7\x00",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, number bool) {
		var raw any = s
		if number {
			raw = json.Number(s)
		}
		const min, max = -1 << 62, 1 << 62
		n, err := params.Values{"n": raw}.Int("n", min, max)
		if err != nil && !isParamErr(err, "n") {
			t.Fatalf("Int(%q): %v", s, err)
		}
		text := s
		if !number {
			text = strings.TrimSpace(s)
		}
		if !decimal.MatchString(text) {
			if err == nil {
				t.Fatalf("Int(%q) = %d: not a decimal number, want 4103", s, n)
			}
			return
		}
		exact, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("oracle cannot read %q", text)
		}
		limit := big.NewRat(1<<53, 1)
		in := exact.IsInt() && exact.Cmp(big.NewRat(min, 1)) >= 0 && exact.Cmp(big.NewRat(max, 1)) <= 0 &&
			(plainInt.MatchString(text) || new(big.Rat).Abs(exact).Cmp(limit) <= 0)
		switch {
		case in && err != nil:
			t.Fatalf("Int(%q) refused an integer within the bounds", s)
		case !in && err == nil:
			t.Fatalf("Int(%q) = %d, but %s is not an integer within the bounds", s, n, exact.RatString())
		case err == nil && exact.Cmp(big.NewRat(n, 1)) != 0:
			t.Fatalf("Int(%q) = %d, but the value sent is %s", s, n, exact.RatString())
		}
	})
}

// TestIntIsExact is FuzzInt's findings as a table: numbers the decoder
// must refuse because they are not (exactly) the integer it would return.
func TestIntIsExact(t *testing.T) {
	for _, s := range []string{
		"0.99999999999999999999", // rounds to 1 as a float64
		"9007199254740993.0",     // 2^53+1 rounds to 2^53
		"0x1p1",                  // Go hex-float syntax
		"1_0",                    // Go digit separators
	} {
		for _, raw := range []any{s, json.Number(s)} {
			if n, err := (params.Values{"n": raw}).Int("n", 0, 1<<53); err == nil {
				t.Errorf("Int(%T %q) = %d, want 4103", raw, s, n)
			}
		}
	}
	for s, want := range map[string]int64{"7": 7, "7.0": 7, "7e1": 70, "+7": 7, " 7 ": 7, "9007199254740992": 1 << 53} {
		if n, err := (params.Values{"n": s}).Int("n", 0, 1<<53); err != nil || n != want {
			t.Errorf("Int(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
}
