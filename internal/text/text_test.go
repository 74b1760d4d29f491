package text_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"ihome/internal/errno"
	"ihome/internal/text"
)

// isParam reports whether err is a 4103 naming field.
func isParam(err error, field string) bool {
	var be *errno.Error
	return errors.As(err, &be) && be.Code == errno.ParamErr && be.Msg == errno.Param(field).Msg
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"李四", "李四"},
		{"  李四  ", "李四"},
		{"\u3000李四\u3000", "李四"},                                 // full-width spaces
		{"\u00a0李四\u2003\u202f", "李四"},                           // no-break, em and narrow no-break spaces
		{"\t李四\r\n", "李四"},                                       // white space at the ends is trimmed, not refused
		{"\u2800李四\u2800", "李四"},                                 // braille blank shows as a space
		{"李 四", "李 四"},                                           // inner white space stays
		{"李\u3000四", "李\u3000四"},                                 // (NFC keeps U+3000: that is NFKC)
		{"José", "José"},                                         // composed
		{"Jose\u0301", "José"},                                   // decomposed → composed
		{"\u212b", "\u00c5"},                                     // ANGSTROM SIGN → Å (canonical singleton)
		{"e\u0301\u0323", "\u1eb9\u0301"},                        // marks reordered and composed: ẹ́
		{"\u1100\u1161\u11a8", "\uac01"},                         // conjoining jamo → 각
		{"❤️", "❤️"},                                             // emoji with its presentation selector
		{"1\ufe0f\u20e3", "1\ufe0f\u20e3"},                       // keycap 1️⃣
		{"\u2139\ufe0f", "\u2139\ufe0f"},                         // ℹ️
		{"葛\U000E0100城", "葛\U000E0100城"},                         // ideographic variation sequence
		{"\U0001F44D\U0001F3FB", "👍🏻"},                           // skin tone modifier (Sk)
		{"a", "a"},                                               // min 1
		{strings.Repeat("名", 10), "名名名名名名名名名名"},                  // max 10
		{strings.Repeat("e\u0301", 10), strings.Repeat("é", 10)}, // 20 runes before NFC
		{"\ue000", "\ue000"},                                     // private use: shown as something
		{"\ufffd", "\ufffd"},                                     // replacement character: visible
	} {
		got, err := text.Clean("f", tc.in, 1, 10)
		if err != nil || got != tc.want {
			t.Errorf("Clean(%+q) = %+q, %v; want %+q", tc.in, got, err, tc.want)
		}
	}
}

func TestCleanRefuses(t *testing.T) {
	for _, in := range []string{
		"", " ", "\u3000", "\t\r\n", // empty once trimmed
		strings.Repeat("名", 11),                              // too long
		strings.Repeat("e\u0301", 11),                        // too long once composed
		"李\x00四", "李\x07四", "李\x1b[2J", "李\x7f四", "李\u0085四", // controls (Cc)
		"李\n四", "李\r四", "李\t四", // line breaks are controls in one-line text
		"李\u200b四", "李\u200c四", "李\u200d四", "李\u2060四", "\ufeff李四", "李\u00ad四", // zero-width, BOM, soft hyphen
		"李\u202e四", "\u202d李四", "\u2067李四\u2069", "李\u200e四", "李\u200f四", "\u061c李", // bidi controls
		"李\u180e四", "李\u2061四", "李\U000E0041四", "李\ufff9四", // other Cf: Mongolian vowel separator, invisible operator, tag, annotation
		"李\u2028四", "李\u2029四", // line and paragraph separators
		"\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\u3164\u3164", // fillers alone
		"\u3164 \u2800\u3000\uffa0", "\u200b\u200b", // only invisible
		"李\u3164四", "\u3164李四", "李四\uffa0", "李\u034f四", "李\u17b4四", "李\u2065四", "李\ufff0四", // default-ignorable anywhere
		"\ufe0f", "\ufe0f李四", " \ufe0f李", "李\ufe0f四", "李\u0301\ufe0f", "❤\ufe0f\ufe0f", "\u2800\ufe0f", // selectors with no visible base
		"\U000E0100李", "李 \U000E0100",
		"李\ufdd0四", "李\ufffe", "李\U0001FFFF", // noncharacters
		"李\xff四", "\xed\xa0\x80", // invalid UTF-8 (a surrogate)
	} {
		if got, err := text.Clean("f", in, 1, 10); !isParam(err, "f") {
			t.Errorf("Clean(%+q) = %+q, %v; want 4103 naming f", in, got, err)
		}
	}
}

func TestCleanLines(t *testing.T) {
	for in, want := range map[string]string{
		"干净\n整洁":                 "干净\n整洁",
		"干净\r\n整洁\r推荐":           "干净\n整洁\n推荐",
		"\n\n干净 \n\n 整洁\r\n\r\n": "干净 \n\n 整洁",
		"Cafe\u0301\n":           "Café",
	} {
		got, err := text.CleanLines("comment", in, 1, 20)
		if err != nil || got != want {
			t.Errorf("CleanLines(%+q) = %+q, %v; want %+q", in, got, err, want)
		}
	}
	for _, in := range []string{"\n\r\n", "干净\t整洁", "干净\u2028整洁", "干净\u200b", "\u3164\n\u2800", "\x0b", strings.Repeat("好\n", 11)} {
		if got, err := text.CleanLines("comment", in, 1, 20); !isParam(err, "comment") {
			t.Errorf("CleanLines(%+q) = %+q, %v; want 4103 naming comment", in, got, err)
		}
	}
}

// TestCleanLength: min and max count characters, both inclusive; min 0
// lets an empty text through.
func TestCleanLength(t *testing.T) {
	for _, tc := range []struct {
		in       string
		min, max int
		ok       bool
	}{
		{"张", 2, 30, false}, {"张三", 2, 30, true}, {strings.Repeat("张", 30), 2, 30, true}, {strings.Repeat("张", 31), 2, 30, false},
		{"", 0, 5, true}, {"  ", 0, 5, true}, {"", 1, 5, false},
	} {
		_, err := text.Clean("real_name", tc.in, tc.min, tc.max)
		if (err == nil) != tc.ok {
			t.Errorf("Clean(%q, %d, %d): %v, want ok=%v", tc.in, tc.min, tc.max, err, tc.ok)
		}
	}
}

// FuzzClean checks the promises of Clean and CleanLines on any input: a
// result is NFC, trimmed, free of controls (but LF in multi-line text),
// format characters, separators and fillers, within the length, and
// cleaning it again changes nothing; a refusal is a 4103 naming the field.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", " 李四 ", "\u3000李四\u3000", "Jose\u0301", "李\u200b四", "\u3164", "\u2800\ufe0f", "❤️",
		"\u202e", "a\r\nb", "\n\u0301", " \u0301a", "\u1100\u1160", "\u115f\u1161", "e\u0301\u0323",
		"\u0f73\u0f75", "\u1100 \u1161", "\xff", "\U000E0100", strings.Repeat("e\u0301", 40),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, lines bool) {
		clean := text.Clean
		if lines {
			clean = text.CleanLines
		}
		const min, max = 1, 40
		out, err := clean("f", s, min, max)
		if err != nil {
			if !isParam(err, "f") || out != "" {
				t.Fatalf("refusal of %+q: %+q, %v", s, out, err)
			}
			return
		}
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
			t.Fatalf("%+q → %+q: not NFC", s, out)
		}
		if n := utf8.RuneCountInString(out); n < min || n > max {
			t.Fatalf("%+q → %+q: %d characters", s, out, n)
		}
		if strings.TrimFunc(out, func(r rune) bool { return unicode.IsSpace(r) || r == '\u2800' }) != out {
			t.Fatalf("%+q → %+q: not trimmed", s, out)
		}
		for _, r := range out {
			if r == '\n' && lines {
				continue
			}
			if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point) {
				t.Fatalf("%+q → %+q: holds %U", s, out, r)
			}
		}
		again, err := clean("f", out, min, max)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %+q → %+q → %+q, %v", s, out, again, err)
		}
	})
}
