package auth

import (
	"testing"
	"time"
)

// TestLimiterWindowSlides: failures just before and just after a fixed
// window's edge still count together.
func TestLimiterWindowSlides(t *testing.T) {
	l := newLimiter()
	r := rule{key: "k", limit: 5, window: 10 * time.Minute}
	start := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 4 {
		if !l.take(start.Add(9*time.Minute+time.Duration(i)*time.Second), r) {
			t.Fatalf("event %d refused", i)
		}
	}
	// ten minutes after the first window began, the four are still recent
	if !l.take(start.Add(10*time.Minute+time.Second), r) {
		t.Fatal("the fifth event refused")
	}
	if l.take(start.Add(10*time.Minute+2*time.Second), r) {
		t.Fatal("a sixth event within ten minutes of the first was allowed")
	}
	// once blocked, the block lasts the whole window
	if l.take(start.Add(20*time.Minute), r) {
		t.Fatal("allowed while blocked")
	}
	if !l.take(start.Add(20*time.Minute+2*time.Second), r) {
		t.Fatal("still refused after the block")
	}
	l.purge(start.Add(time.Hour))
	if len(l.m) != 0 {
		t.Fatalf("purge kept %d counters", len(l.m))
	}
}
