package order

import (
	"slices"
	"strings"
)

// Occupying lists the statuses whose orders hold a house's dates (API.md
// §3.7, §6): rejected and canceled orders free them. The order module owns
// this rule; search, calendar and payment ask it.
var Occupying = []string{WaitAccept, WaitPayment, Paid, WaitComment, Complete}

// IsOccupying reports whether an order in status holds its dates.
func IsOccupying(status string) bool {
	return slices.Contains(Occupying, status)
}

// OccupyingSQL is Occupying as an SQL list: 'WAIT_ACCEPT', … (constants,
// never user input), for `status IN (…)`.
func OccupyingSQL() string {
	return "'" + strings.Join(Occupying, "', '") + "'"
}
