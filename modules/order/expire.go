package order

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// expireBatch is how many late orders one query of the expiry job reads;
// expireMaxBatches bounds one run, the next run takes the rest.
const (
	expireBatch      = 500
	expireMaxBatches = 20
)

// expire cancels the WAIT_ACCEPT orders whose start date has passed
// (API.md §4.3) and returns how many it canceled. It saves them as
// records, so the order rules and the search index see the change like any
// other. An order that cannot be saved is logged and skipped: one bad row
// must not keep the others holding their dates.
func (m *module) expire(app core.App) int {
	canceled, failed := 0, 0
	for range expireMaxBatches {
		// the orders that failed sort first (by start date, then id) and
		// stay late: skip past them
		late, err := app.FindRecordsByFilter(Collection, FieldStatus+" = {:s} && "+FieldStartDate+" < {:today}",
			FieldStartDate+",id", expireBatch, failed, dbx.Params{"s": WaitAccept, "today": m.today().String()})
		if err != nil {
			app.Logger().Error("order expiry: cannot read the late orders", "error", err)
			return canceled
		}
		for _, o := range late {
			o.Set(FieldStatus, Canceled)
			o.Set(FieldComment, ExpiredComment)
			if err := app.Save(o); err != nil {
				failed++
				app.Logger().Error("order expiry: cannot cancel an order", "order_id", o.Id, "error", err)
				continue
			}
			canceled++
		}
		if len(late) < expireBatch {
			break
		}
	}
	return canceled
}
