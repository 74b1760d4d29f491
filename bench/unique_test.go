package main

import (
	"net/url"
	"testing"
	"time"
)

// TestUniqueSearchesNeverRepeat: the permutation visits every point of
// the space exactly once, and a point's URL names exactly that point (so
// distinct points are distinct URLs).
func TestUniqueSearchesNeverRepeat(t *testing.T) {
	seen := make([]bool, uqSpace)
	for i := range uint64(uqSpace) {
		j := permute(i)
		if j >= uqSpace || seen[j] {
			t.Fatalf("request %d maps to %d, out of range or already used", i, j)
		}
		seen[j] = true
		if d := decode(j); d.encode() != j {
			t.Fatalf("point %d decodes to %+v, which encodes to %d", j, d, d.encode())
		}
	}
	// consecutive requests differ in the window and the area, so no memo
	// keyed on a part of the query helps either
	if a, b := decode(permute(0)), decode(permute(1)); a.start == b.start || a.area == b.area {
		t.Fatalf("consecutive searches too alike: %+v %+v", a, b)
	}
}

func TestUniqueSearchURLs(t *testing.T) {
	today := time.Date(2030, 12, 30, 0, 0, 0, 0, time.UTC)
	u := &uniqueSearches{base: "http://h", today: today}
	urls := map[string]bool{}
	for range 50000 {
		raw := u.next()
		if urls[raw] {
			t.Fatalf("repeated %s", raw)
		}
		urls[raw] = true
		parsed, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		q := parsed.Query()
		sd, err1 := time.Parse("2006-01-02", q.Get("sd"))
		ed, err2 := time.Parse("2006-01-02", q.Get("ed"))
		if err1 != nil || err2 != nil || !sd.After(today) || ed.Before(sd) || ed.Sub(sd) >= uqNights*24*time.Hour {
			t.Fatalf("bad window in %s", raw)
		}
		if p := q.Get("p"); p < "1" || p > "5" || len(p) != 1 {
			t.Fatalf("bad page in %s", raw)
		}
	}
	if u.used() != 50000 {
		t.Fatalf("used %d", u.used())
	}
}
