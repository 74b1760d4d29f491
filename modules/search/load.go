package search

import (
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/intid"
	"ihome/internal/stay"
	"ihome/modules/calendar"
	"ihome/modules/house"
	"ihome/modules/order"
)

// index guards the city and keeps it in step with committed writes.
//
// Loading (at start, and when reconciliation finds a difference) reads two
// narrow tables without the lock and then swaps the new city in; writes
// committed meanwhile are queued by the record hooks and applied right after
// the swap. Until the first load ends, searches are answered from SQL, so
// none waits for the load.
type index struct {
	loadMu  sync.Mutex // one load at a time; reconcile waits for a running one
	stopped bool       // the app is shutting down: no more loads (under loadMu)

	mu      sync.RWMutex
	city    *city // nil until loaded
	loading bool
	pending []pendingRefresh // writes committed during a load
}

// pendingRefresh names a committed write to re-read: a house, an order or a block.
type pendingRefresh struct {
	kind refreshKind
	id   string
}

type refreshKind uint8

const (
	refreshHouse refreshKind = iota
	refreshOrder
	refreshBlock
)

// dbHouse and dbOrder are the narrow rows the index reads.
type dbHouse struct {
	Id         string `db:"id"`
	Area       string `db:"area"`
	Price      int64  `db:"price"`
	OrderCount int64  `db:"order_count"`
	Created    string `db:"created"`
	Hidden     bool   `db:"hidden"`
}

// dbHold is an occupying order or a block.
type dbHold struct {
	Id    string `db:"id"`
	House string `db:"house"`
	Start string `db:"start_date"`
	End   string `db:"end_date"`
}

func housesQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", house.FieldArea+" AS area", house.FieldPrice+" AS price",
		house.FieldOrderCount+" AS order_count", "created", house.FieldHidden+" AS hidden").From(house.Collection)
}

func blocksQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", calendar.FieldHouse+" AS house", calendar.FieldStartDate+" AS start_date",
		calendar.FieldEndDate+" AS end_date").From(calendar.BlocksCollection)
}

func occupyingQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", order.FieldHouse+" AS house", order.FieldStartDate+" AS start_date",
		order.FieldEndDate+" AS end_date").From(order.Collection).
		Where(dbx.NewExp(order.FieldStatus + " IN (" + order.OccupyingSQL() + ")"))
}

func (r dbHouse) row() houseRow {
	created, _ := types.ParseDateTime(r.Created)
	return houseRow{Id: intid.Int(r.Id), Area: intid.Int(r.Area), Price: r.Price, OrderCount: r.OrderCount,
		Created: created.Time().UnixMicro(), Hidden: r.Hidden}
}

func (r dbHold) row(block bool) (holdRow, bool) {
	w, ok := stay.ParseRange(r.Start, r.End)
	return holdRow{hold: holdOf(block, intid.Int(r.Id)), House: intid.Int(r.House), Start: w.Start, End: w.End}, ok
}

// load reads the whole city and swaps it in.
func (x *index) load(app core.App) error {
	x.loadMu.Lock()
	defer x.loadMu.Unlock()
	if x.stopped {
		return nil
	}
	return x.loadLocked(app)
}

// stop waits for a running load and refuses later ones: the app closes
// its databases right after its terminate hooks.
func (x *index) stop() {
	x.loadMu.Lock()
	defer x.loadMu.Unlock()
	x.stopped = true
}

func (x *index) loadLocked(app core.App) error {
	x.mu.Lock()
	x.loading = true
	x.pending = nil
	x.mu.Unlock()

	c, err := readCity(app)

	x.mu.Lock()
	defer x.mu.Unlock()
	x.loading = false
	if err != nil {
		x.pending = nil
		return err
	}
	x.city = c
	for _, p := range x.pending {
		x.refresh(app, p)
	}
	x.pending = nil
	return nil
}

// readCity streams the two narrow tables row by row: at a million orders a
// slice of rows would be a hundred megabytes of short-lived strings.
func readCity(app core.App) (*city, error) {
	c := newCity()
	c.bulk = true
	var h dbHouse
	err := scan(housesQuery(app), &h, func() { c.setHouse(h.row()) })
	if err != nil {
		return nil, err
	}
	c.buildTrees()
	for _, holds := range []struct {
		q     *dbx.SelectQuery
		block bool
	}{{occupyingQuery(app), false}, {blocksQuery(app), true}} {
		var o dbHold
		err = scan(holds.q, &o, func() {
			if r, ok := o.row(holds.block); ok {
				c.setHold(r)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// scan reads q's rows one at a time into row and calls each after each.
func scan(q *dbx.SelectQuery, row any, each func()) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.ScanStruct(row); err != nil {
			return err
		}
		each()
	}
	return rows.Err()
}

// bind keeps the index in step with committed writes of houses and orders,
// whoever makes them (API, cron, admin UI). A hook re-reads the row rather
// than trusting the record it is handed: the after-commit hooks of two
// writes may run in either order, and the last must leave the latest commit.
func (x *index) bind(app core.App) {
	for _, b := range []struct {
		collection, id string
		kind           refreshKind
	}{
		{house.Collection, "ihome.search.index.house", refreshHouse},
		{order.Collection, "ihome.search.index.order", refreshOrder},
		{calendar.BlocksCollection, "ihome.search.index.block", refreshBlock},
	} {
		kind := b.kind
		h := &hook.Handler[*core.RecordEvent]{Id: b.id, Func: func(e *core.RecordEvent) error {
			x.changed(e.App, pendingRefresh{kind: kind, id: e.Record.Id})
			return e.Next()
		}}
		app.OnRecordAfterCreateSuccess(b.collection).Bind(h)
		app.OnRecordAfterUpdateSuccess(b.collection).Bind(h)
		app.OnRecordAfterDeleteSuccess(b.collection).Bind(h)
	}
}

// changed applies a committed write, or queues it while a load runs.
func (x *index) changed(app core.App, p pendingRefresh) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.loading {
		x.pending = append(x.pending, p)
		return
	}
	if x.city != nil {
		x.refresh(app, p)
	}
}

// refresh re-reads one house or order (caller holds the write lock). A
// failed read leaves the index unable to vouch for itself: it is dropped,
// searches go to SQL and the next reconciliation loads it again.
func (x *index) refresh(app core.App, p pendingRefresh) {
	var err error
	switch p.kind {
	case refreshHouse:
		err = x.refreshHouse(app, p.id)
	case refreshOrder:
		err = x.refreshHold(app, occupyingQuery(app), false, p.id)
	default:
		err = x.refreshHold(app, blocksQuery(app), true, p.id)
	}
	if err != nil {
		app.Logger().Error("search index refresh failed; searching from SQL until it reloads", "error", err)
		x.city = nil
	}
}

func (x *index) refreshHouse(app core.App, id string) error {
	var rows []dbHouse
	if err := housesQuery(app).Where(dbx.HashExp{"id": id}).All(&rows); err != nil {
		return err
	}
	n := intid.Int(id)
	if len(rows) == 0 {
		x.city.removeHouse(n)
		return nil
	}
	slot, known := x.city.slots[n]
	wasLive := known && x.city.houses[slot].live
	x.city.setHouse(rows[0].row())
	if wasLive {
		return nil
	}
	// new to the index: its holds' hooks may have run first and found no house
	for _, q := range []struct {
		q     *dbx.SelectQuery
		block bool
		house string
	}{{occupyingQuery(app), false, order.FieldHouse}, {blocksQuery(app), true, calendar.FieldHouse}} {
		var holds []dbHold
		if err := q.q.AndWhere(dbx.HashExp{q.house: id}).All(&holds); err != nil {
			return err
		}
		for _, o := range holds {
			if r, ok := o.row(q.block); ok {
				x.city.setHold(r)
			}
		}
	}
	return nil
}

// refreshHold re-reads one order (q selects occupying ones) or block: its
// days are taken, moved or freed.
func (x *index) refreshHold(app core.App, q *dbx.SelectQuery, block bool, id string) error {
	var rows []dbHold
	if err := q.AndWhere(dbx.HashExp{"id": id}).All(&rows); err != nil {
		return err
	}
	x.city.dropHold(holdOf(block, intid.Int(id)))
	if len(rows) == 1 {
		if r, ok := rows[0].row(block); ok {
			x.city.setHold(r)
		}
	}
	return nil
}

// search answers from the index; ok is false while it is not loaded.
func (x *index) search(q query, offset, limit int) (ids []int64, total int, ok bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.city == nil {
		return nil, 0, false
	}
	ids, total = x.city.search(q, offset, limit)
	return ids, total, true
}

// reconcile compares the index with the tables, area by area (counts and
// sums of the columns it keeps), and reloads it when they differ: writes
// that bypass record hooks (raw SQL in a staff JS hook, `ihome seed` on a
// running server) cannot leave it wrong for longer than one period. It
// returns the areas that differed.
func (x *index) reconcile(app core.App) ([]int64, error) {
	x.loadMu.Lock()
	defer x.loadMu.Unlock()
	if x.stopped {
		return nil, nil
	}
	want, err := sqlSums(app)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	loaded := x.city != nil
	var diff []int64
	if loaded {
		diff = compareSums(want, x.city.sums())
	}
	x.mu.RUnlock()
	if loaded && len(diff) == 0 {
		return nil, nil
	}
	return diff, x.loadLocked(app)
}
