package house

import (
	"database/sql"
	"errors"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/modules/user"
)

// maxYuanFen is 1,000,000 yuan, the cap on price and deposit.
const maxYuanFen = 1_000_000_00

// newHouse is a validated POST /houses body.
type newHouse struct {
	title, address, unit, beds                     string
	price, deposit                                 int64
	areaId                                         int64
	roomCount, acreage, capacity, minDays, maxDays int64
	facilities                                     []int64
	cancelPolicy                                   string // one of CancelPolicies
}

// POST /houses: publish a house (real-name verified landlords only).
func (m *module) create(e *core.RequestEvent) error {
	owner := session.User(e)
	if !user.IsVerified(owner) {
		return errno.New(errno.RoleErr, "请先完成实名认证")
	}
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	h, err := parseNewHouse(body)
	if err != nil {
		return err
	}

	col, err := e.App.FindCachedCollectionByNameOrId(Collection)
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	err = e.App.RunInTransaction(func(tx core.App) error {
		if _, err := tx.FindRecordById(AreasCollection, intid.String(h.areaId)); errors.Is(err, sql.ErrNoRows) {
			return errno.New(errno.DataErr, "区域不存在: area_id")
		} else if err != nil {
			return err
		}
		facilities := make([]string, 0, len(h.facilities))
		for _, f := range h.facilities {
			facilities = append(facilities, intid.String(f))
		}
		if len(facilities) > 0 {
			ids := make([]any, len(facilities))
			for i, f := range facilities {
				ids[i] = f
			}
			var n int
			if err := tx.DB().Select("count(*)").From(FacilCollection).
				Where(dbx.In("id", ids...)).Row(&n); err != nil {
				return err
			}
			if n != len(facilities) {
				return errno.New(errno.DataErr, "设施不存在: facility")
			}
		}
		rec.Set(FieldOwner, owner.Id)
		rec.Set(FieldArea, intid.String(h.areaId))
		rec.Set(FieldTitle, h.title)
		rec.Set(FieldPrice, h.price)
		rec.Set(FieldAddress, h.address)
		rec.Set(FieldRoomCount, h.roomCount)
		rec.Set(FieldAcreage, h.acreage)
		rec.Set(FieldUnit, h.unit)
		rec.Set(FieldCapacity, h.capacity)
		rec.Set(FieldBeds, h.beds)
		rec.Set(FieldDeposit, h.deposit)
		rec.Set(FieldMinDays, h.minDays)
		rec.Set(FieldMaxDays, h.maxDays)
		rec.Set(FieldFacilities, facilities)
		rec.Set(FieldOrderCount, 0)
		rec.Set(FieldCancelPolicy, h.cancelPolicy)
		return tx.Save(rec)
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]int64{"house_id": intid.Int(rec.Id)})
}

// maxStayDays bounds min_days and max_days: no stay is longer (API.md §1.7).
const maxStayDays = 366

func parseNewHouse(body params.Values) (newHouse, error) {
	var h newHouse
	var err error
	text := func(name string, max int) string { // API.md §1.7: one rule for free text
		if err != nil {
			return ""
		}
		var s string
		s, err = body.Text(name, 1, max)
		return s
	}
	integer := func(name string, min, max int64) int64 {
		if err != nil {
			return 0
		}
		var n int64
		n, err = body.Int(name, min, max)
		return n
	}
	yuan := func(name string, min int64) int64 {
		if err != nil {
			return 0
		}
		fen, ok := ParseYuan(body[name])
		if !ok || fen < min || fen > maxYuanFen {
			err = errno.Param(name)
		}
		return fen
	}

	h.title = text("title", maxTitleLength)
	h.price = yuan("price", 1)
	h.areaId = integer("area_id", 1, 1<<53)
	h.address = text("address", maxAddressLength)
	h.roomCount = integer("room_count", 1, 100)
	h.acreage = integer("acreage", 1, 100000)
	h.unit = text("unit", maxUnitLength)
	h.capacity = integer("capacity", 1, 100)
	h.beds = text("beds", maxBedsLength)
	h.deposit = yuan("deposit", 0)
	h.minDays = integer("min_days", 1, maxStayDays)
	h.maxDays = integer("max_days", 0, maxStayDays)
	if err != nil {
		return h, err
	}
	if h.maxDays != 0 && h.maxDays < h.minDays {
		return h, errno.Param("max_days")
	}
	// optional, flexible by default (API.md §3.3, §6.4)
	h.cancelPolicy, err = body.OptionalString(FieldCancelPolicy)
	if h.cancelPolicy == "" && err == nil {
		h.cancelPolicy = CancelFlexible
	}
	if err != nil || !slices.Contains(CancelPolicies, h.cancelPolicy) {
		return h, errno.Param(FieldCancelPolicy)
	}
	ids, err := body.IntList("facility", 64)
	if err != nil {
		return h, err
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id < 1 {
			return h, errno.New(errno.DataErr, "设施不存在: facility")
		}
		if !seen[id] {
			seen[id] = true
			h.facilities = append(h.facilities, id)
		}
	}
	return h, nil
}
