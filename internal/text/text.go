// Package text is the one rule for free text of API.md §1.7: names, real
// names, titles, addresses, unit, beds, reviews, reasons, and every later
// free-text field go through Clean (or CleanLines for multi-line text).
//
// The rule, in order:
//
//  1. invalid UTF-8 is refused;
//  2. the text is normalised to Unicode NFC (é typed as e + U+0301 is é);
//  3. white space (unicode.IsSpace: ASCII, U+00A0, U+3000 and the other
//     Unicode spaces, line breaks) and the blank braille pattern U+2800 are
//     trimmed from both ends;
//  4. the text is refused when it holds a character that shows nothing
//     or disorders what is around it: control characters (Cc), format
//     characters (Cf: zero-width space and joiners, bidi controls such as
//     U+202E, U+FEFF, soft hyphen, word joiner…), line and paragraph
//     separators (Zl, Zp), the other default-ignorable characters (the
//     Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the combining
//     grapheme joiner U+034F, Khmer U+17B4/U+17B5, reserved ones),
//     noncharacters, or a variation selector that does not follow a
//     visible character (see visibleBase);
//  5. its length is counted in characters (runes) after all that: fewer
//     than min or more than max is refused. A text made only of invisible
//     or filler characters is therefore refused: it is either empty once
//     trimmed or holds a refused character.
//
// Every refusal is errno.Param(field): 4103 naming the field by its API
// name. What Clean returns is what is stored, so uniqueness (users.name)
// holds on the normalised form. Clean is idempotent: Clean of its own
// output returns that output unchanged.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"ihome/internal/errno"
)

// Clean applies the rule of API.md §1.7 to s, the value of the one-line
// text field named field, and returns the text to store: NFC, trimmed,
// min–max characters long. A line break inside the text is refused like
// any control character. Refusal: errno.Param(field) (4103).
func Clean(field, s string, min, max int) (string, error) {
	return clean(field, s, min, max, false)
}

// CleanLines is Clean for multi-line text written in a textarea (a
// review): line breaks inside the text are kept, each CR LF or lone CR
// becoming LF; every other control character is still refused. Each LF
// counts as one character.
func CleanLines(field, s string, min, max int) (string, error) {
	return clean(field, s, min, max, true)
}

func clean(field, s string, min, max int, lines bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", errno.Param(field)
	}
	if lines && strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	// Trimming a string in NFC leaves it in NFC in every case found so far
	// (FuzzClean checks it); the loop makes sure of it at the cost of one
	// quick check.
	s = strings.TrimFunc(norm.NFC.String(s), blank)
	for i := 0; i < 3 && !norm.NFC.IsNormalString(s); i++ {
		s = strings.TrimFunc(norm.NFC.String(s), blank)
	}
	prev := rune(-1) // the start of the text: no visible base
	for _, r := range s {
		if refused(r, prev, lines) {
			return "", errno.Param(field)
		}
		prev = r
	}
	if n := utf8.RuneCountInString(s); n < min || n > max {
		return "", errno.Param(field)
	}
	return s, nil
}

// blank is what is trimmed: white space, and the blank braille pattern,
// which shows as a space.
func blank(r rune) bool {
	return unicode.IsSpace(r) || r == '\u2800'
}

// refused reports whether r, following prev (-1 at the start), may not be
// in a text field.
func refused(r, prev rune, lines bool) bool {
	switch {
	case r == '\n':
		return !lines
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point):
		return true
	case noncharacter(r):
		return true
	case unicode.Is(unicode.Variation_Selector, r):
		return !visibleBase(r, prev)
	}
	return false
}

// visibleBase reports whether prev is a character the variation selector
// vs may follow. A selector after white space, a mark, another selector or
// at the start changes nothing that is shown, so it would only make an
// invisible look-alike. The emoji selectors (U+FE0E text, U+FE0F emoji
// presentation) belong after symbols, digits and punctuation (❤️, 1️⃣, #️⃣;
// ℹ️ is the one emoji that is a letter); the others (U+FE00–FE0D, the
// Mongolian free variation selectors, the ideographic variation selectors
// U+E0100–E01EF of names written in rare glyph forms) after a letter too.
func visibleBase(vs, prev rune) bool {
	if blank(prev) { // U+2800 is a symbol that shows nothing
		return false
	}
	if vs == '\uFE0E' || vs == '\uFE0F' {
		return unicode.In(prev, unicode.N, unicode.S, unicode.P) || prev == '\u2139'
	}
	return unicode.In(prev, unicode.L, unicode.N, unicode.S, unicode.P)
}

// noncharacter reports whether r is one of the 66 code points Unicode sets
// aside for a program's internal use: never text to show.
func noncharacter(r rune) bool {
	return (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE
}
