package calendar

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
)

// maxPriceFen caps an override as §3.3 caps a house price: 1,000,000 yuan.
const maxPriceFen = 1_000_000_00

// change is a validated PUT body: the range and what to do to it.
type change struct {
	w        stay.Range
	block    *bool  // nil: leave blocks as they are
	setPrice bool   // price was sent
	price    *int64 // nil with setPrice: clear the override (fen otherwise)
}

// PUT /houses/{house_id}/calendar (the owner; API.md §7.2): block or
// unblock the days start_date..end_date (inclusive, not before today, at
// most 366 days) and/or set their price in yuan (null clears it back to
// the house price). 4103 names the bad field; 4002 unknown house; 4105 not
// the owner; 4004 "房屋已被预订" when blocking days an occupying order holds.
// The check and the write are one transaction, so a block and a booking of
// the same days cannot both win.
func (m *module) setDays(e *core.RequestEvent) error {
	me := session.User(e)
	h, err := house.FindVisible(e.App, e.Request.PathValue("house_id"), me)
	if err != nil {
		return err
	}
	if h.GetString(house.FieldOwner) != me.Id {
		return errno.New(errno.RoleErr, "只有房东可以修改房屋日历")
	}
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	c, err := m.parseChange(body)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		if c.block != nil {
			if err := setBlocked(tx, h.Id, c.w, *c.block); err != nil {
				return err
			}
		}
		if c.setPrice {
			return setPrice(tx, h.Id, c.w, c.price)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, nil)
}

func (m *module) parseChange(body params.Values) (change, error) {
	var c change
	start, err := body.String("start_date")
	if err != nil {
		return c, err
	}
	end, err := body.String("end_date")
	if err != nil {
		return c, err
	}
	var ok bool
	if c.w.Start, ok = stay.Parse(start); !ok || c.w.Start < stay.Today(m.cfg.Now(), m.cfg.Location) {
		return c, errno.Param("start_date")
	}
	if c.w.End, ok = stay.Parse(end); !ok || c.w.End < c.w.Start || c.w.Days() > int64(m.cfg.MaxRangeDays) {
		return c, errno.Param("end_date")
	}
	if body.Has("blocked") {
		b, ok := boolValue(body["blocked"])
		if !ok {
			return c, errno.Param("blocked")
		}
		c.block = &b
	}
	if body.Has("price") {
		c.setPrice = true
		if body["price"] != nil {
			fen, ok := house.ParseYuan(body["price"])
			if !ok || fen <= 0 || fen > maxPriceFen {
				return c, errno.Param("price")
			}
			c.price = &fen
		}
	}
	if c.block == nil && !c.setPrice {
		return c, errno.Param("blocked")
	}
	return c, nil
}

// boolValue reads a JSON bool or a form's "true"/"false".
func boolValue(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	return false, false
}

// setBlocked blocks (after checking no occupying order holds a day) or
// unblocks w in the host's own blocks; imported blocks are the feeds'.
func setBlocked(tx core.App, house string, w stay.Range, blocked bool) error {
	near := stay.Range{Start: w.Start - 1, End: w.End + 1} // touching blocks merge
	rows, err := blocksIn(tx, house, near)
	if err != nil {
		return err
	}
	var own []dated
	for _, r := range rows {
		if r.Feed == "" {
			own = append(own, r)
		}
	}
	fresh := subtract(ranges(own), w)
	if blocked {
		taken, err := occupiedIn(tx, house, w)
		if err != nil {
			return err
		}
		if len(taken) > 0 {
			return errno.New(errno.DataErr, "房屋已被预订")
		}
		fresh = union(ranges(own), w)
	}
	return replace(tx, BlocksCollection, house, own, fresh, nil)
}

// setPrice overrides w's nightly price (fen), or clears it when price is nil.
// Overrides it cuts keep their price on the days outside w.
func setPrice(tx core.App, house string, w stay.Range, price *int64) error {
	old, err := pricesIn(tx, house, w)
	if err != nil {
		return err
	}
	for _, o := range old {
		if err := replace(tx, PricesCollection, house, []dated{o}, subtract([]stay.Range{o.stay()}, w),
			map[string]any{FieldPrice: o.Price}); err != nil {
			return err
		}
	}
	if price == nil {
		return nil
	}
	return replace(tx, PricesCollection, house, nil, []stay.Range{w}, map[string]any{FieldPrice: *price})
}
