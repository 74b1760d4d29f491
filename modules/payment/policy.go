package payment

import (
	"ihome/internal/stay"
	"ihome/modules/house"
)

// RefundFor is what a guest who cancels a paid stay gets back, in fen, of
// amount (fen), under the house's cancellation policy, canceling on day
// today a stay that starts on start (API.md §6.4):
//   - flexible: all until the day before start, nothing from start on;
//   - moderate: all until 5 days before start, half after;
//   - strict: half until 7 days before start, nothing after.
//
// "Until N days before" includes that day: canceling 5 days before a
// moderate stay refunds all, 4 days before refunds half. Half of an odd
// amount is rounded up, the odd fen to the guest. An unknown policy reads
// as flexible (house.CancelPolicy).
func RefundFor(policy string, amount int64, start, today stay.Date) int64 {
	ahead := int64(start) - int64(today) // whole days between cancel and arrival
	half := (amount + 1) / 2
	switch policy {
	case house.CancelModerate:
		if ahead >= 5 {
			return amount
		}
		return half
	case house.CancelStrict:
		if ahead >= 7 {
			return half
		}
		return 0
	default: // flexible
		if ahead >= 1 {
			return amount
		}
		return 0
	}
}
