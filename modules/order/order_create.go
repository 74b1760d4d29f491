package order

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/modules/house"
)

// maxStayDays bounds a stay, whatever the house allows.
const maxStayDays = 3650

// POST /orders: book a house for [start_date, end_date], both days included.
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
	start, err := body.String("start_date")
	if err != nil || !house.ValidDate(start) || start < m.today() {
		return errno.Param("start_date")
	}
	end, err := body.String("end_date")
	if err != nil || !house.ValidDate(end) || end < start {
		return errno.Param("end_date")
	}
	days := stayDays(start, end)
	if days > maxStayDays {
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
		// the price is read in the transaction that books: the snapshot is
		// the price of the moment the dates were taken
		fresh, err := tx.FindRecordById(house.Collection, h.Id)
		if err != nil {
			return err
		}
		price := int64(fresh.GetInt(house.FieldPrice))
		o.Set(FieldHouse, h.Id)
		o.Set(FieldGuest, guest.Id)
		o.Set(FieldStartDate, start)
		o.Set(FieldEndDate, end)
		o.Set(FieldDays, days)
		o.Set(FieldPrice, price)
		o.Set(FieldAmount, days*price)
		o.Set(FieldStatus, WaitAccept)
		return tx.Save(o) // the overlap check runs in the create hook, in this transaction
	})
	if err != nil {
		return errno.From(err, errno.DBErr)
	}
	return envelope.OK(e, map[string]int64{"order_id": intid.Int(o.Id)})
}

// stayDays counts the days of an inclusive stay (2017-11-14 → 2017-11-15 is 2).
func stayDays(start, end string) int64 {
	s, _ := time.Parse(house.DateLayout, start)
	e, _ := time.Parse(house.DateLayout, end)
	return int64(e.Sub(s).Hours()/24) + 1
}
