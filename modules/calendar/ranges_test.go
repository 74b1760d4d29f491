package calendar

import (
	"fmt"
	"testing"

	"ihome/internal/stay"
)

func r(a, b int) stay.Range { return stay.Range{Start: stay.Date(a), End: stay.Date(b)} }

// days writes ranges as day numbers: [{1 3] [6 9}].
func days(set []stay.Range) string {
	out := make([][2]int, len(set))
	for i, x := range set {
		out[i] = [2]int{int(x.Start), int(x.End)}
	}
	return fmt.Sprint(out)
}

func TestUnionAndSubtract(t *testing.T) {
	for _, c := range []struct {
		set  []stay.Range
		add  stay.Range
		want string
	}{
		{nil, r(5, 7), "[[5 7]]"},
		{[]stay.Range{r(1, 3)}, r(4, 6), "[[1 6]]"},                      // touching joins
		{[]stay.Range{r(1, 3), r(8, 9)}, r(5, 6), "[[1 3] [5 6] [8 9]]"}, // apart stays apart
		{[]stay.Range{r(1, 3), r(6, 9)}, r(2, 7), "[[1 9]]"},
	} {
		if got := days(union(c.set, c.add)); got != c.want {
			t.Errorf("union(%v, %v) = %s, want %s", c.set, c.add, got, c.want)
		}
	}
	for _, c := range []struct {
		set  []stay.Range
		cut  stay.Range
		want string
	}{
		{[]stay.Range{r(1, 9)}, r(4, 5), "[[1 3] [6 9]]"},
		{[]stay.Range{r(1, 9)}, r(1, 9), "[]"},
		{[]stay.Range{r(1, 3), r(7, 9)}, r(3, 7), "[[1 2] [8 9]]"},
		{[]stay.Range{r(1, 3)}, r(5, 6), "[[1 3]]"},
	} {
		if got := days(subtract(c.set, c.cut)); got != c.want {
			t.Errorf("subtract(%v, %v) = %s, want %s", c.set, c.cut, got, c.want)
		}
	}
	if overlapDays(r(1, 5), r(5, 9)) != 1 || overlapDays(r(1, 5), r(6, 9)) != 0 || overlapDays(r(1, 9), r(3, 4)) != 2 {
		t.Error("overlapDays")
	}
}
