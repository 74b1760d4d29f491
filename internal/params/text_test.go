package params_test

import (
	"encoding/json"
	"testing"

	"ihome/internal/params"
)

// TestTextIsAString: a free-text field must be sent as a string (API.md
// §1.7 "Types"); a JSON number, even one that looks like a fine name, is
// the wrong type (issue 11, item 7).
func TestTextIsAString(t *testing.T) {
	for _, raw := range []any{json.Number("12345"), json.Number("1.5"), true, false, nil, []any{"李四"}, map[string]any{"a": "b"}} {
		v := params.Values{"name": raw}
		if s, err := v.Text("name", 1, 32); !isParamErr(err, "name") {
			t.Errorf("Text(%#v) = %q, %v; want 4103 naming name", raw, s, err)
		}
		if s, err := v.TextLines("comment", 1, 32); !isParamErr(err, "comment") {
			t.Errorf("TextLines(missing) = %q, %v; want 4103 naming comment", s, err)
		}
		v = params.Values{"comment": raw}
		if s, err := v.TextLines("comment", 1, 32); !isParamErr(err, "comment") {
			t.Errorf("TextLines(%#v) = %q, %v; want 4103 naming comment", raw, s, err)
		}
	}
	// Integers keep taking numbers and numeric strings (§1.6).
	for _, raw := range []any{json.Number("7"), "7", json.Number("7.0"), " 7 "} {
		if n, err := (params.Values{"n": raw}).Int("n", 1, 10); err != nil || n != 7 {
			t.Errorf("Int(%#v) = %d, %v; want 7", raw, n, err)
		}
	}
}

// TestText: the one rule of API.md §1.7 applies to what Text returns.
func TestText(t *testing.T) {
	v := params.Values{"name": "\u3000Jose\u0301 ", "digits": "12345", "bad": "李\u200b四", "review": "好\r\n很好"}
	if s, err := v.Text("name", 1, 32); err != nil || s != "José" {
		t.Errorf("Text(name) = %q, %v", s, err)
	}
	if s, err := v.Text("digits", 1, 32); err != nil || s != "12345" {
		t.Errorf("Text(digits) = %q, %v: digits in a string are text", s, err)
	}
	if s, err := v.Text("bad", 1, 32); !isParamErr(err, "bad") {
		t.Errorf("Text(bad) = %q, %v", s, err)
	}
	if s, err := v.Text("review", 1, 32); !isParamErr(err, "review") {
		t.Errorf("Text(review) = %q, %v: a line break in one-line text", s, err)
	}
	if s, err := v.TextLines("review", 1, 32); err != nil || s != "好\n很好" {
		t.Errorf("TextLines(review) = %q, %v", s, err)
	}
}
