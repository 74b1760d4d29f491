package order

import (
	"database/sql"
	"errors"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/errno"
	"ihome/modules/house"
)

// bindHooks makes the booking rules hold for every write of an order, from
// the API, a cron job or the admin UI: no overlapping occupying orders, no
// impossible status change. The check and the write share one transaction.
func (m *module) bindHooks(app core.App) {
	app.OnRecordCreate(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "ihome.order.rules",
		Func: func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) error {
				return checkOverlap(tx, e.Record)
			})
		},
	})
	app.OnRecordUpdate(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "ihome.order.rules",
		Func: func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) error {
				if err := checkTransition(tx, e.Record); err != nil {
					return err
				}
				return checkOverlap(tx, e.Record)
			})
		},
	})
}

// inTransaction runs check and then the rest of the write in one
// transaction (the caller's, if it has one), and gives the event back the
// caller's App: the after-commit hooks must not get a finished transaction.
func inTransaction(e *core.RecordEvent, check func(tx core.App) error) error {
	outer := e.App
	defer func() { e.App = outer }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := check(tx); err != nil {
			return err
		}
		return e.Next()
	})
}

// checkOverlap refuses an occupying order whose stay overlaps another
// occupying order of the same house.
func checkOverlap(tx core.App, o *core.Record) error {
	if !slices.Contains(house.Occupying, o.GetString(FieldStatus)) {
		return nil
	}
	var one int
	err := tx.DB().Select("(1)").From(Collection).
		Where(dbx.HashExp{FieldHouse: o.GetString(FieldHouse)}).
		AndWhere(dbx.NewExp("start_date <= {:end} AND end_date >= {:start} AND status IN ("+house.OccupyingSQL()+") AND id != {:id}",
			dbx.Params{"start": o.GetString(FieldStartDate), "end": o.GetString(FieldEndDate), "id": o.Id})).
		Limit(1).Row(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return errno.New(errno.DataErr, "房屋已被预订")
}

// checkTransition refuses a status change the state machine does not allow.
func checkTransition(tx core.App, o *core.Record) error {
	var before string
	err := tx.DB().Select(FieldStatus).From(Collection).Where(dbx.HashExp{"id": o.Id}).Row(&before)
	if err != nil {
		return err
	}
	after := o.GetString(FieldStatus)
	if before == after || slices.Contains(transitions[before], after) {
		return nil
	}
	return errno.New(errno.DataErr, "订单状态不允许此操作")
}
