package calendar

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/errno"
	"ihome/internal/stay"
	"ihome/modules/order"
)

// RulesHookId identifies the calendar's rule on bookings.
const RulesHookId = "ihome.calendar.rules"

// bindHooks refuses, for every writer of an order (API, cron, admin UI),
// an occupying stay over a blocked day (API.md §7.3): 4004 "房屋已被预订".
// The check joins the write's transaction, where the block PUT checks the
// orders: whichever commits first wins.
func (m *module) bindHooks(app core.App) {
	check := func(e *core.RecordEvent) error {
		o := e.Record
		if !order.IsOccupying(o.GetString(order.FieldStatus)) {
			return e.Next()
		}
		if !o.IsNew() {
			was := o.Original()
			if order.IsOccupying(was.GetString(order.FieldStatus)) &&
				was.GetString(order.FieldStartDate) == o.GetString(order.FieldStartDate) &&
				was.GetString(order.FieldEndDate) == o.GetString(order.FieldEndDate) {
				return e.Next() // its days were already its own
			}
		}
		w, ok := stay.ParseRange(o.GetString(order.FieldStartDate), o.GetString(order.FieldEndDate))
		if !ok {
			return e.Next() // the order rules refuse bad dates
		}
		outer := e.App
		defer func() { e.App = outer }()
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			blocks, err := blocksIn(tx, o.GetString(order.FieldHouse), w)
			if err != nil {
				return err
			}
			if len(blocks) > 0 {
				return errno.New(errno.DataErr, "房屋已被预订")
			}
			return e.Next()
		})
	}
	h := &hook.Handler[*core.RecordEvent]{Id: RulesHookId, Func: check}
	app.OnRecordCreate(order.Collection).Bind(h)
	app.OnRecordUpdate(order.Collection).Bind(h)
}
