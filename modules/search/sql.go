package search

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/intid"
	"ihome/modules/calendar"
	"ihome/modules/house"
	"ihome/modules/order"
)

// sqlOrder is each sort order of API.md §3.7 in SQL; ties go to the
// highest id.
var sqlOrder = [sortCount]string{
	sortNew:      "h.created DESC",
	sortBooking:  "h." + house.FieldOrderCount + " DESC",
	sortPriceInc: "h." + house.FieldPrice + " ASC",
	sortPriceDes: "h." + house.FieldPrice + " DESC",
}

// sqlMatches filters the houses h that a search matches.
func sqlMatches(q query) dbx.Expression {
	where := []dbx.Expression{dbx.NewExp("h." + house.FieldHidden + " = FALSE")}
	if q.area != 0 {
		where = append(where, dbx.HashExp{"h." + house.FieldArea: intid.String(q.area)})
	}
	if q.dated {
		where = append(where, dbx.NewExp("NOT EXISTS (SELECT 1 FROM "+order.Collection+" o WHERE o."+order.FieldHouse+" = h.id"+
			" AND o."+order.FieldStatus+" IN ("+order.OccupyingSQL()+")"+
			" AND o."+order.FieldStartDate+" <= {:end} AND o."+order.FieldEndDate+" >= {:start})",
			dbx.Params{"start": q.window.Start.String(), "end": q.window.End.String()}))
		where = append(where, dbx.NewExp("NOT EXISTS (SELECT 1 FROM "+calendar.BlocksCollection+" b WHERE b."+calendar.FieldHouse+" = h.id"+
			" AND b."+calendar.FieldStartDate+" <= {:end} AND b."+calendar.FieldEndDate+" >= {:start})",
			dbx.Params{"start": q.window.Start.String(), "end": q.window.End.String()}))
	}
	return dbx.And(where...)
}

// sqlSearch answers a search from the tables: the path while the index
// loads, and the reference the index is tested against.
func sqlSearch(app core.App, q query, offset, limit int) ([]int64, int, error) {
	var total int
	if err := app.DB().Select("COUNT(*)").From(house.Collection + " h").Where(sqlMatches(q)).Row(&total); err != nil {
		return nil, 0, err
	}
	var rows []struct {
		Id string `db:"id"`
	}
	err := app.DB().Select("h.id").From(house.Collection+" h").Where(sqlMatches(q)).
		OrderBy(sqlOrder[q.sort], "CAST(h.id AS INTEGER) DESC").
		Offset(int64(offset)).Limit(int64(limit)).All(&rows)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = intid.Int(r.Id)
	}
	return ids, total, nil
}

// sqlSums is the reconciliation's fingerprint of every area, from the tables.
func sqlSums(app core.App) (map[int64]areaSums, error) {
	var houses []struct {
		Area string `db:"area"`
		N    int64  `db:"n"`
		Ids  int64  `db:"ids"`
		P    int64  `db:"p"`
		C    int64  `db:"c"`
		H    int64  `db:"hid"`
	}
	err := app.DB().Select("h."+house.FieldArea+" AS area", "COUNT(*) AS n", "SUM(CAST(h.id AS INTEGER)) AS ids",
		"SUM(h."+house.FieldPrice+") AS p", "SUM(h."+house.FieldOrderCount+") AS c", "SUM(h."+house.FieldHidden+") AS hid").
		From(house.Collection + " h").GroupBy("h." + house.FieldArea).All(&houses)
	if err != nil {
		return nil, err
	}
	var orders []struct {
		Area   string `db:"area"`
		N      int64  `db:"n"`
		Ids    int64  `db:"ids"`
		Starts int64  `db:"starts"`
		Ends   int64  `db:"ends"`
	}
	start, end := "o."+order.FieldStartDate, "o."+order.FieldEndDate
	err = app.DB().Select("h."+house.FieldArea+" AS area", "COUNT(*) AS n", "SUM(CAST(o.id AS INTEGER)) AS ids",
		"SUM(unixepoch("+start+")/86400) AS starts", "SUM(unixepoch("+end+")/86400) AS ends").
		From(order.Collection+" o").
		InnerJoin(house.Collection+" h", dbx.NewExp("h.id = o."+order.FieldHouse)).
		Where(dbx.NewExp("o." + order.FieldStatus + " IN (" + order.OccupyingSQL() + ")" +
			// the rows the index can read: real dates, in order
			" AND date(" + start + ") = " + start + " AND date(" + end + ") = " + end + " AND " + end + " >= " + start)).
		GroupBy("h." + house.FieldArea).All(&orders)
	if err != nil {
		return nil, err
	}
	var blocks []struct {
		Area   string `db:"area"`
		N      int64  `db:"n"`
		Ids    int64  `db:"ids"`
		Starts int64  `db:"starts"`
		Ends   int64  `db:"ends"`
	}
	start, end = "b."+calendar.FieldStartDate, "b."+calendar.FieldEndDate
	err = app.DB().Select("h."+house.FieldArea+" AS area", "COUNT(*) AS n", "SUM(CAST(b.id AS INTEGER)) AS ids",
		"SUM(unixepoch("+start+")/86400) AS starts", "SUM(unixepoch("+end+")/86400) AS ends").
		From(calendar.BlocksCollection+" b").
		InnerJoin(house.Collection+" h", dbx.NewExp("h.id = b."+calendar.FieldHouse)).
		Where(dbx.NewExp("date(" + start + ") = " + start + " AND date(" + end + ") = " + end + " AND " + end + " >= " + start)).
		GroupBy("h." + house.FieldArea).All(&blocks)
	if err != nil {
		return nil, err
	}
	out := map[int64]areaSums{}
	for _, h := range houses {
		out[intid.Int(h.Area)] = areaSums{Houses: h.N, HouseIds: h.Ids, Prices: h.P, OrderCounts: h.C, Hidden: h.H}
	}
	for _, o := range orders {
		s := out[intid.Int(o.Area)]
		s.Orders, s.OrderIds, s.Starts, s.Ends = o.N, o.Ids, o.Starts, o.Ends
		out[intid.Int(o.Area)] = s
	}
	for _, b := range blocks {
		s := out[intid.Int(b.Area)]
		s.Blocks, s.BlockIds, s.BlockStarts, s.BlockEnds = b.N, b.Ids, b.Starts, b.Ends
		out[intid.Int(b.Area)] = s
	}
	return out, nil
}
