package order

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
)

// POST /orders: book a house for [start_date, end_date], both days
// included (API.md §4.1). Answers 4103 (params, dates, a stay over
// MaxStayDays), 4002, 4105, 4004 (min/max days, dates taken) and 4201 (the
// guest already has MaxOpenOrders open orders).
func (m *module) create(e *core.RequestEvent) error {
	guest := session.User(e)
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	houseId, err := body.Int("house_id", 1, 1<<53)
	if err != nil {
		return err
	}
	startText, err := body.String("start_date")
	start, ok := stay.Parse(startText)
	if err != nil || !ok || start < m.today() {
		return errno.Param("start_date")
	}
	endText, err := body.String("end_date")
	end, ok := stay.Parse(endText)
	if err != nil || !ok || end < start {
		return errno.Param("end_date")
	}
	days := stay.Range{Start: start, End: end}.Days()
	if days > int64(m.cfg.MaxStayDays) {
		return errno.Param("end_date")
	}

	h, err := house.FindVisible(e.App, intid.String(houseId), guest)
	if err != nil {
		return err
	}
	if h.GetString(house.FieldOwner) == guest.Id {
		return errno.New(errno.RoleErr, "不能预订自己的房屋")
	}
	if min := int64(h.GetInt(house.FieldMinDays)); days < min {
		return errno.New(errno.DataErr, "入住天数少于最短天数")
	}
	if max := int64(h.GetInt(house.FieldMaxDays)); max > 0 && days > max {
		return errno.New(errno.DataErr, "入住天数超过最长天数")
	}

	col, err := e.App.FindCachedCollectionByNameOrId(Collection)
	if err != nil {
		return err
	}
	o := core.NewRecord(col)
	err = e.App.RunInTransaction(func(tx core.App) error {
		// open orders (waiting for the landlord or the payment) are counted
		// in the transaction that inserts: all writes share one connection,
		// so parallel bookings of one guest are counted one after the other
		var n int
		err := tx.DB().Select("count(*)").From(Collection).
			Where(dbx.HashExp{FieldGuest: guest.Id}).
			AndWhere(dbx.In(FieldStatus, WaitAccept, WaitPayment)).Row(&n)
		if err != nil {
			return err
		}
		if n >= m.cfg.MaxOpenOrders {
			return errno.New(errno.ReqErr, "待处理的订单过多, 请等房东答复或取消订单后再预订")
		}
		// the price is read in the transaction that books: the snapshot is
		// the price of the moment the dates were taken
		fresh, err := tx.FindRecordById(house.Collection, h.Id)
		if err != nil {
			return err
		}
		price := int64(fresh.GetInt(house.FieldPrice))
		o.Set(FieldHouse, h.Id)
		o.Set(FieldGuest, guest.Id)
		o.Set(FieldStartDate, start.String())
		o.Set(FieldEndDate, end.String())
		o.Set(FieldPrice, price) // days and amount: the order rules derive them (hooks.go)
		o.Set(FieldStatus, WaitAccept)
		return tx.Save(o) // the order rules (overlap, …) run in this transaction
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]int64{"order_id": intid.Int(o.Id)})
}
