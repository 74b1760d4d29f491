package house

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/intid"
)

// availability is the in-memory index search runs on: each house's sort
// keys and the stays of its occupying orders. Searching it costs the same
// whatever the number of orders, and never touches the database; the page's
// ten rows are then read by id.
//
// Record hooks on houses and orders keep it exactly in sync with every
// committed write (API, cron jobs, admin UI). It loads on first use, under
// the write lock, so a write committed while it loads is applied after.
type availability struct {
	mu     sync.RWMutex
	loaded bool
	houses map[int64]*entry
	orders map[int64]stayRef // occupying orders, to move or drop them
	sorted map[string][]*entry
	byArea map[int64]map[string][]*entry // sorted, per area
	gen    uint64                        // bumped by every change

	// memo keeps recent answers while gen is unchanged: a popular search
	// is then a map lookup
	memoMu sync.Mutex
	memo   map[memoKey]memoAnswer
}

type memoKey struct {
	q             query
	offset, limit int
}

type memoAnswer struct {
	gen   uint64
	ids   []int64
	total int
}

// maxMemo bounds the memo; it is emptied when full.
const maxMemo = 4096

type entry struct {
	id         int64
	area       int64
	price      int64
	orderCount int64
	created    string // stored datetime: sorts as text
	hidden     bool
	stays      []stay // sorted by start, never overlapping
}

type stay struct {
	order      int64
	start, end int32 // days since 1970-01-01
}

type stayRef struct {
	house int64
	stay  stay
}

// query is a validated search.
type query struct {
	area       int64 // 0: any
	dated      bool  // filter on the stay [start, end]
	start, end int32 // days since 1970-01-01
	sort       string
}

func newAvailability() *availability {
	return &availability{memo: map[memoKey]memoAnswer{}}
}

// bind keeps the index in sync with committed writes. A hook re-reads the
// row rather than trusting the record it is handed: the after-commit hooks
// of two writes may run in either order, and the one that runs last must
// leave the latest commit in the index.
func (a *availability) bind(app core.App) {
	house := func(e *core.RecordEvent) error {
		a.refreshHouse(e.App, e.Record.Id)
		return e.Next()
	}
	order := func(e *core.RecordEvent) error {
		a.refreshOrder(e.App, e.Record.Id)
		return e.Next()
	}
	for _, b := range []struct {
		collection, id string
		f              func(*core.RecordEvent) error
	}{
		{Collection, "ihome.house.index.house", house},
		{OrdersCollection, "ihome.house.index.order", order},
	} {
		h := &hook.Handler[*core.RecordEvent]{Id: b.id, Func: b.f}
		app.OnRecordAfterCreateSuccess(b.collection).Bind(h)
		app.OnRecordAfterUpdateSuccess(b.collection).Bind(h)
		app.OnRecordAfterDeleteSuccess(b.collection).Bind(h)
	}
}

// houseRow and orderRow are what the index reads of a house and an order.
type houseRow struct {
	Id         string `db:"id"`
	Area       string `db:"area"`
	Price      int64  `db:"price"`
	OrderCount int64  `db:"order_count"`
	Created    string `db:"created"`
	Hidden     bool   `db:"hidden"`
}

type orderRow struct {
	Id    string `db:"id"`
	House string `db:"house"`
	Start string `db:"start_date"`
	End   string `db:"end_date"`
}

func housesQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", "area", "price", "order_count", "created", "hidden").From(Collection)
}

func occupyingQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", "house", "start_date", "end_date").From(OrdersCollection).
		Where(dbx.NewExp("status IN (" + OccupyingSQL() + ")"))
}

// refreshHouse re-reads one house (and, when new to the index, its stays).
func (a *availability) refreshHouse(app core.App, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		return // the load will read it
	}
	var rows []houseRow
	if err := housesQuery(app).Where(dbx.HashExp{"id": id}).All(&rows); err != nil {
		a.unload(app, err)
		return
	}
	n := intid.Int(id)
	a.sorted, a.byArea = nil, nil
	a.gen++
	if len(rows) == 0 {
		if h, ok := a.houses[n]; ok {
			for _, s := range h.stays {
				delete(a.orders, s.order)
			}
			delete(a.houses, n)
		}
		return
	}
	h, known := a.houses[n]
	if !known {
		h = &entry{}
		a.houses[n] = h
	}
	r := rows[0]
	h.id, h.area, h.price, h.orderCount, h.created, h.hidden = n, intid.Int(r.Area), r.Price, r.OrderCount, r.Created, r.Hidden
	if !known { // its orders' hooks may have run first and found no house
		var stays []orderRow
		if err := occupyingQuery(app).AndWhere(dbx.HashExp{"house": id}).All(&stays); err != nil {
			a.unload(app, err)
			return
		}
		for _, o := range stays {
			a.dropOrder(intid.Int(o.Id))
			a.addStay(intid.Int(o.Id), n, o.Start, o.End)
		}
	}
}

// refreshOrder re-reads one order: its stay is added, moved or dropped.
func (a *availability) refreshOrder(app core.App, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		return
	}
	var rows []orderRow
	if err := occupyingQuery(app).AndWhere(dbx.HashExp{"id": id}).All(&rows); err != nil {
		a.unload(app, err)
		return
	}
	a.dropOrder(intid.Int(id))
	if len(rows) == 1 {
		a.addStay(intid.Int(id), intid.Int(rows[0].House), rows[0].Start, rows[0].End)
	}
	a.gen++
}

// unload makes the next search reload everything: after a failed read the
// index cannot vouch for itself (caller holds the write lock).
func (a *availability) unload(app core.App, err error) {
	app.Logger().Error("search index refresh failed; reloading it", "error", err)
	a.loaded = false
	a.gen++
}

// search returns the ids of one page of matching houses, in order, and how
// many match in all.
func (a *availability) search(app core.App, q query, offset, limit int) ([]int64, int, error) {
	// a write may invalidate the sorted lists between ready and RLock: check
	// again under the read lock
	for {
		if err := a.ready(app); err != nil {
			return nil, 0, err
		}
		a.mu.RLock()
		if a.loaded && a.sorted != nil {
			break
		}
		a.mu.RUnlock()
	}
	defer a.mu.RUnlock()
	key := memoKey{q, offset, limit}
	a.memoMu.Lock()
	m, ok := a.memo[key]
	a.memoMu.Unlock()
	if ok && m.gen == a.gen {
		return m.ids, m.total, nil
	}

	list := a.sorted[q.sort]
	if q.area != 0 {
		list = a.byArea[q.area][q.sort]
	}
	ids := make([]int64, 0, limit)
	total := 0
	for _, h := range list {
		if h.hidden || (q.dated && h.occupied(q.start, q.end)) {
			continue
		}
		if total >= offset && len(ids) < limit {
			ids = append(ids, h.id)
		}
		total++
	}

	a.memoMu.Lock()
	if len(a.memo) >= maxMemo {
		clear(a.memo)
	}
	a.memo[key] = memoAnswer{gen: a.gen, ids: ids, total: total}
	a.memoMu.Unlock()
	return ids, total, nil
}

// occupied reports whether a stay of h overlaps [start, end].
func (h *entry) occupied(start, end int32) bool {
	// stays never overlap, so their ends are sorted too: find the first
	// that ends on or after start
	i := sort.Search(len(h.stays), func(i int) bool { return h.stays[i].end >= start })
	return i < len(h.stays) && h.stays[i].start <= end
}

// ready loads the index if needed and re-sorts it after changes.
func (a *availability) ready(app core.App) error {
	a.mu.RLock()
	fresh := a.loaded && a.sorted != nil
	a.mu.RUnlock()
	if fresh {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		if err := a.load(app); err != nil {
			return err
		}
	}
	if a.sorted == nil {
		a.resort()
	}
	return nil
}

func (a *availability) load(app core.App) error {
	var houses []houseRow
	if err := housesQuery(app).All(&houses); err != nil {
		return err
	}
	var orders []orderRow
	if err := occupyingQuery(app).All(&orders); err != nil {
		return err
	}
	a.houses = make(map[int64]*entry, len(houses))
	a.orders = make(map[int64]stayRef, len(orders))
	for _, h := range houses {
		a.houses[intid.Int(h.Id)] = &entry{id: intid.Int(h.Id), area: intid.Int(h.Area), price: h.Price,
			orderCount: h.OrderCount, created: h.Created, hidden: h.Hidden}
	}
	for _, o := range orders {
		a.addStay(intid.Int(o.Id), intid.Int(o.House), o.Start, o.End)
	}
	a.loaded = true
	a.sorted, a.byArea = nil, nil
	a.gen++
	return nil
}

// sortOrders are the orders of API.md §3.7, by sk; ties go to the highest id.
var sortOrders = map[string]func(x, y *entry) int{
	"new":       func(x, y *entry) int { return cmp.Compare(y.created, x.created) },
	"booking":   func(x, y *entry) int { return cmp.Compare(y.orderCount, x.orderCount) },
	"price-inc": func(x, y *entry) int { return cmp.Compare(x.price, y.price) },
	"price-des": func(x, y *entry) int { return cmp.Compare(y.price, x.price) },
}

// resort rebuilds the sorted lists (caller holds the write lock).
func (a *availability) resort() {
	all := make([]*entry, 0, len(a.houses))
	for _, h := range a.houses {
		all = append(all, h)
	}
	a.sorted = make(map[string][]*entry, len(sortOrders))
	a.byArea = map[int64]map[string][]*entry{}
	for key, order := range sortOrders {
		s := slices.Clone(all)
		slices.SortFunc(s, func(x, y *entry) int { return cmp.Or(order(x, y), cmp.Compare(y.id, x.id)) })
		a.sorted[key] = s
		for _, h := range s {
			if a.byArea[h.area] == nil {
				a.byArea[h.area] = map[string][]*entry{}
			}
			a.byArea[h.area][key] = append(a.byArea[h.area][key], h)
		}
	}
}

// dropOrder removes an order's stay, if it has one (caller holds the lock).
func (a *availability) dropOrder(id int64) {
	ref, ok := a.orders[id]
	if !ok {
		return
	}
	a.gen++
	delete(a.orders, id)
	if h, ok := a.houses[ref.house]; ok {
		h.stays = slices.DeleteFunc(h.stays, func(s stay) bool { return s.order == id })
	}
}

// addStay records an occupying order (caller holds the lock).
func (a *availability) addStay(order, house int64, start, end string) {
	h, ok := a.houses[house]
	s, okS := dayNumber(start)
	e, okE := dayNumber(end)
	if !ok || !okS || !okE {
		return // the house's own refresh will read its stays
	}
	st := stay{order: order, start: s, end: e}
	i, _ := slices.BinarySearchFunc(h.stays, st, func(x, y stay) int { return cmp.Compare(x.start, y.start) })
	h.stays = slices.Insert(h.stays, i, st)
	a.orders[order] = stayRef{house: house, stay: st}
	a.gen++
}

// dayNumber is the day of a YYYY-MM-DD date counted from 1970-01-01.
func dayNumber(date string) (int32, bool) {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return 0, false
	}
	return int32(t.Unix() / 86400), true
}
