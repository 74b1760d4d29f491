package order

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/errno"
	"ihome/internal/stay"
	"ihome/internal/text"
	"ihome/modules/house"
)

// RulesHookId identifies the order rules on create, update and delete.
const RulesHookId = "ihome.order.rules"

// bindHooks makes the order rules hold for every write of an order, from
// the API, a cron job, Go code or staff in the admin UI (PocketBase's
// record API):
//   - an order is born WAIT_ACCEPT and changes status only along transitions;
//   - its dates are real calendar dates, end ≥ start, at most MaxStayDays;
//   - days and amount follow the dates and the price snapshot: left blank
//     or unchanged they are computed, set to anything else they are refused;
//   - it stays on its house; occupying orders of a house never overlap;
//   - reaching COMPLETE raises the house's order_count, deleting a
//     COMPLETE order lowers it;
//   - its comment (a review or a reason) obeys the text rule of §1.7.
//
// The checks, the write and the order_count change share one transaction.
// A refusal is errno 4004 for the API, and carries validation errors per
// field that the admin UI shows beside the fields.
func (m *module) bindHooks(app core.App) {
	text.BindRecordRule(app, Collection, text.Field{Name: FieldComment, Min: 1, Max: maxCommentLength, Lines: true})
	app.OnRecordCreate(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: RulesHookId,
		Func: func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) (func() error, error) {
				return nil, m.checkCreate(tx, e.Record)
			})
		},
	})
	app.OnRecordUpdate(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: RulesHookId,
		Func: func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) (func() error, error) {
				stored, err := tx.FindRecordById(Collection, e.Record.Id)
				if err != nil {
					return nil, err
				}
				if err := m.checkUpdate(tx, stored, e.Record); err != nil {
					return nil, err
				}
				if stored.GetString(FieldStatus) != Complete && e.Record.GetString(FieldStatus) == Complete {
					return func() error { return addOrderCount(tx, e.Record.GetString(FieldHouse), 1) }, nil
				}
				return nil, nil
			})
		},
	})
	app.OnRecordDelete(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: RulesHookId,
		Func: func(e *core.RecordEvent) error {
			return inTransaction(e, func(tx core.App) (func() error, error) {
				stored, err := tx.FindRecordById(Collection, e.Record.Id)
				if err != nil {
					return nil, err
				}
				if stored.GetString(FieldStatus) == Complete {
					return func() error { return addOrderCount(tx, stored.GetString(FieldHouse), -1) }, nil
				}
				return nil, nil
			})
		},
	})
}

// inTransaction runs check, the rest of the write and then check's
// follow-up (when it returns one) in one transaction (the caller's, if it
// has one), and gives the event back the caller's App: the after-commit
// hooks must not get a finished transaction.
func inTransaction(e *core.RecordEvent, check func(tx core.App) (func() error, error)) error {
	outer := e.App
	defer func() { e.App = outer }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		then, err := check(tx)
		if err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		if then != nil {
			return then()
		}
		return nil
	})
}

// checkCreate: a new order starts WAIT_ACCEPT (blank means that), with
// valid dates; a blank price is the house's price of the moment.
func (m *module) checkCreate(tx core.App, o *core.Record) error {
	errs := validation.Errors{}
	switch o.GetString(FieldStatus) {
	case "":
		o.Set(FieldStatus, WaitAccept)
	case WaitAccept:
	default:
		errs[FieldStatus] = validation.NewError("ihome_order_status", "新订单的状态只能是 "+WaitAccept)
	}
	if o.GetInt(FieldPrice) == 0 && o.GetString(FieldHouse) != "" {
		// a missing house is left to the relation field's own check
		if h, err := tx.FindRecordById(house.Collection, o.GetString(FieldHouse)); err == nil {
			o.Set(FieldPrice, h.GetInt(house.FieldPrice))
		}
	}
	if r, ok := m.checkDates(o, errs, true); ok {
		if err := m.derive(tx, o, nil, r, errs); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return refusal(errs)
	}
	return checkOverlap(tx, o)
}

// checkUpdate compares o with the stored row: the status moves along
// transitions, the house stays, changed dates are checked, and days and
// amount follow the dates and price. Fields that did not change are not
// checked again, so an order saved under older rules can still be
// canceled.
func (m *module) checkUpdate(tx core.App, stored, o *core.Record) error {
	errs := validation.Errors{}
	if o.GetString(FieldHouse) != stored.GetString(FieldHouse) {
		errs[FieldHouse] = validation.NewError("ihome_order_house", "订单不能改到别的房屋: 取消后重新预订")
	}
	before, after := stored.GetString(FieldStatus), o.GetString(FieldStatus)
	if before != after && !slices.Contains(transitions[before], after) {
		errs[FieldStatus] = validation.NewError("ihome_order_status", "订单状态不允许此操作: "+before+" → "+after)
	}
	changed := func(fields ...string) bool {
		return slices.ContainsFunc(fields, func(f string) bool { return o.GetString(f) != stored.GetString(f) })
	}
	datesChanged := changed(FieldStartDate, FieldEndDate)
	if datesChanged || changed(FieldPrice, FieldDays, FieldAmount) {
		if r, ok := m.checkDates(o, errs, datesChanged); ok {
			if err := m.derive(tx, o, stored, r, errs); err != nil {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return refusal(errs)
	}
	if datesChanged || !IsOccupying(before) {
		return checkOverlap(tx, o)
	}
	return nil
}

// checkDates adds the date errors of o to errs and returns its stay when
// the dates are valid; withCap also checks the stay's length.
func (m *module) checkDates(o *core.Record, errs validation.Errors, withCap bool) (stay.Range, bool) {
	start, okStart := stay.Parse(o.GetString(FieldStartDate))
	end, okEnd := stay.Parse(o.GetString(FieldEndDate))
	if !okStart {
		errs[FieldStartDate] = validation.NewError("ihome_order_date", "不是有效的日期 (YYYY-MM-DD)")
	}
	if !okEnd {
		errs[FieldEndDate] = validation.NewError("ihome_order_date", "不是有效的日期 (YYYY-MM-DD)")
	}
	if !okStart || !okEnd {
		return stay.Range{}, false
	}
	r := stay.Range{Start: start, End: end}
	switch {
	case end < start:
		errs[FieldEndDate] = validation.NewError("ihome_order_date", "离店日期早于入住日期")
		return r, false
	case withCap && r.Days() > int64(m.cfg.MaxStayDays):
		errs[FieldEndDate] = validation.NewError("ihome_order_stay", fmt.Sprintf("入住天数超过 %d 天", m.cfg.MaxStayDays))
		return r, false
	}
	return r, true
}

// derive sets days (end − start + 1, API.md §1.5) and amount (the stay's
// nights at Config.StayAmount's prices: days × price unless the host
// calendar overrides a night, §7.3) when they are blank on a new order or
// unchanged from stored, and refuses values that disagree.
func (m *module) derive(tx core.App, o, stored *core.Record, r stay.Range, errs validation.Errors) error {
	days := r.Days()
	amount, err := m.cfg.StayAmount(tx, o.GetString(FieldHouse), r, int64(o.GetInt(FieldPrice)))
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		want int64
	}{{FieldDays, days}, {FieldAmount, amount}} {
		got := int64(o.GetInt(f.name))
		switch {
		case got == f.want:
		case stored == nil && got == 0, stored != nil && got == int64(stored.GetInt(f.name)):
			o.Set(f.name, f.want)
		default:
			errs[f.name] = validation.NewError("ihome_order_derived",
				fmt.Sprintf("应为 %d (天数 = 离店 − 入住 + 1, 金额 = 各晚价格之和), 留空则自动计算", f.want))
		}
	}
	return nil
}

// refusal is errs as errno 4004 (its message is one of errs, the first by
// field name) that still unwraps to errs for PocketBase's record API.
func refusal(errs validation.Errors) error {
	first := slices.Min(slices.Collect(maps.Keys(errs)))
	return &errno.Error{Code: errno.DataErr, Msg: errs[first].Error(), Err: errs}
}

// checkOverlap refuses an occupying order whose stay overlaps another
// occupying order of the same house.
func checkOverlap(tx core.App, o *core.Record) error {
	if !IsOccupying(o.GetString(FieldStatus)) {
		return nil
	}
	var one int
	err := tx.DB().Select("(1)").From(Collection).
		Where(dbx.HashExp{FieldHouse: o.GetString(FieldHouse)}).
		AndWhere(dbx.NewExp(FieldStartDate+" <= {:end} AND "+FieldEndDate+" >= {:start} AND "+
			FieldStatus+" IN ("+OccupyingSQL()+") AND id != {:id}",
			dbx.Params{"start": o.GetString(FieldStartDate), "end": o.GetString(FieldEndDate), "id": o.Id})).
		Limit(1).Row(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return refusal(validation.Errors{FieldStartDate: validation.NewError("ihome_order_booked", "房屋已被预订")})
}

// addOrderCount changes the booking count of house houseId by delta (never
// below 0), saving the house as a record so its own hooks see the change.
func addOrderCount(tx core.App, houseId string, delta int) error {
	h, err := tx.FindRecordById(house.Collection, houseId)
	if err != nil {
		return err
	}
	h.Set(house.FieldOrderCount, max(0, h.GetInt(house.FieldOrderCount)+delta))
	return tx.Save(h)
}
