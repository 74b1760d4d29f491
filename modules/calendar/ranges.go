package calendar

import (
	"slices"

	"ihome/internal/stay"
)

// union merges r into a set of ranges, joining those it overlaps or touches.
func union(set []stay.Range, r stay.Range) []stay.Range {
	out := []stay.Range{}
	for _, s := range set {
		if s.End+1 < r.Start || r.End+1 < s.Start {
			out = append(out, s)
			continue
		}
		r = stay.Range{Start: min(r.Start, s.Start), End: max(r.End, s.End)}
	}
	out = append(out, r)
	slices.SortFunc(out, func(a, b stay.Range) int { return int(a.Start - b.Start) })
	return out
}

// subtract removes r's days from each range, splitting those it cuts.
func subtract(set []stay.Range, r stay.Range) []stay.Range {
	out := []stay.Range{}
	for _, s := range set {
		if !s.Overlaps(r) {
			out = append(out, s)
			continue
		}
		if s.Start < r.Start {
			out = append(out, stay.Range{Start: s.Start, End: r.Start - 1})
		}
		if s.End > r.End {
			out = append(out, stay.Range{Start: r.End + 1, End: s.End})
		}
	}
	return out
}

// overlapDays counts the days two ranges share.
func overlapDays(a, b stay.Range) int64 {
	if !a.Overlaps(b) {
		return 0
	}
	return int64(min(a.End, b.End)-max(a.Start, b.Start)) + 1
}
