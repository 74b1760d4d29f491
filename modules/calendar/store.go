package calendar

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/stay"
	"ihome/modules/order"
)

// dated is a stored range row.
type dated struct {
	Id    string `db:"id"`
	Start string `db:"start_date"`
	End   string `db:"end_date"`
	Price int64  `db:"price"`
	Feed  string `db:"feed"`
}

func (d dated) stay() stay.Range {
	r, _ := stay.ParseRange(d.Start, d.End)
	return r
}

// overlapping selects the rows of a calendar collection (or of orders) of
// one house that share a day with w.
func overlapping(app core.App, collection, house string, w stay.Range, columns ...string) *dbx.SelectQuery {
	return app.DB().Select(append([]string{"id", FieldStartDate + " AS start_date", FieldEndDate + " AS end_date"}, columns...)...).
		From(collection).
		Where(dbx.HashExp{FieldHouse: house}).
		AndWhere(dbx.NewExp(FieldStartDate+" <= {:end} AND "+FieldEndDate+" >= {:start}",
			dbx.Params{"start": w.Start.String(), "end": w.End.String()}))
}

// occupiedIn lists the stays of the house's occupying orders within w.
func occupiedIn(app core.App, house string, w stay.Range) ([]stay.Range, error) {
	var rows []dated
	err := app.DB().Select("id", order.FieldStartDate+" AS start_date", order.FieldEndDate+" AS end_date").
		From(order.Collection).
		Where(dbx.HashExp{order.FieldHouse: house}).
		AndWhere(dbx.NewExp(order.FieldStartDate+" <= {:end} AND "+order.FieldEndDate+" >= {:start} AND "+
			order.FieldStatus+" IN ("+order.OccupyingSQL()+")",
			dbx.Params{"start": w.Start.String(), "end": w.End.String()})).
		All(&rows)
	return ranges(rows), err
}

// blocksIn lists the house's blocked ranges (the host's and imported) within w.
func blocksIn(app core.App, house string, w stay.Range) ([]dated, error) {
	var rows []dated
	err := overlapping(app, BlocksCollection, house, w, FieldFeed+" AS feed").All(&rows)
	return rows, err
}

// pricesIn lists the house's price overrides within w.
func pricesIn(app core.App, house string, w stay.Range) ([]dated, error) {
	var rows []dated
	err := overlapping(app, PricesCollection, house, w, FieldPrice+" AS price").All(&rows)
	return rows, err
}

func ranges(rows []dated) []stay.Range {
	out := make([]stay.Range, len(rows))
	for i, r := range rows {
		out[i] = r.stay()
	}
	return out
}

// StayAmount prices a stay night by night (API.md §7.3): each night at its
// override, or at the house price (fen). It is the sum of days × price when
// there is no override.
func StayAmount(app core.App, house string, w stay.Range, housePrice int64) (int64, error) {
	overrides, err := pricesIn(app, house, w)
	if err != nil {
		return 0, err
	}
	amount := w.Days() * housePrice
	for _, o := range overrides {
		amount += overlapDays(o.stay(), w) * (o.Price - housePrice)
	}
	return amount, nil
}

// replace deletes rows and inserts ranges (with fields) in their place, in tx.
func replace(tx core.App, collection, house string, old []dated, fresh []stay.Range, fields map[string]any) error {
	for _, o := range old {
		rec, err := tx.FindRecordById(collection, o.Id)
		if err != nil {
			return err
		}
		if err := tx.Delete(rec); err != nil {
			return err
		}
	}
	col, err := tx.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	for _, r := range fresh {
		rec := core.NewRecord(col)
		rec.Set(FieldHouse, house)
		rec.Set(FieldStartDate, r.Start.String())
		rec.Set(FieldEndDate, r.End.String())
		for k, v := range fields {
			rec.Set(k, v)
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
	}
	return nil
}
