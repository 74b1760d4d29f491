package search

import (
	"cmp"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/tidwall/btree"

	"ihome/internal/stay"
)

// sortKey is one of the orders of API.md §3.7 (sk).
type sortKey uint8

const (
	sortNew      sortKey = iota // created, newest first
	sortBooking                 // order_count, most first
	sortPriceInc                // price, cheapest first
	sortPriceDes                // price, dearest first
	sortCount
)

// sortKeys maps the sk parameter to a sort order.
var sortKeys = map[string]sortKey{"new": sortNew, "booking": sortBooking, "price-inc": sortPriceInc, "price-des": sortPriceDes}

// item is a house's place in one sort order: k ascending, then the highest
// id first (API.md §3.7: equal keys never repeat or skip a house across pages).
type item struct {
	k    int64
	id   int64
	slot uint32
}

func itemLess(a, b item) bool {
	if a.k != b.k {
		return a.k < b.k
	}
	return a.id > b.id
}

// listing is what the index keeps of a house.
type listing struct {
	id, area, price, orderCount int64
	created                     int64 // unix microseconds
	hidden, live                bool
	holds                       []hold // its occupying orders and blocks
}

func (h *listing) key(s sortKey) int64 {
	switch s {
	case sortNew:
		return -h.created
	case sortBooking:
		return -h.orderCount
	case sortPriceInc:
		return h.price
	default:
		return -h.price
	}
}

// hold is what takes a house's days: an occupying order (its id), or a
// block of the host calendar, its own or imported (minus its id). One
// int64 keeps the million entries of a large city small.
type hold int64

func holdOf(block bool, id int64) hold {
	if block {
		return hold(-id)
	}
	return hold(id)
}

// occupied is where and when a hold takes days.
type occupied struct {
	slot uint32
	stay stay.Range
}

// sortTrees holds the visible houses of one area (or the city) in every
// sort order; the B-trees count their items, so a page is found by rank.
type sortTrees [sortCount]*btree.BTreeG[item]

func newSortTrees() *sortTrees {
	var t sortTrees
	for i := range t {
		t[i] = btree.NewBTreeGOptions(itemLess, btree.Options{NoLocks: true})
	}
	return &t
}

// city is the index's data (DESIGN.md §2): houses by slot, a bitmap of the
// visible houses of each area, a bitmap of the taken houses of each day,
// and the sort orders. Houses get dense slots (bitmaps hold uint32), never
// reused. It is not safe for concurrent use: index guards it.
type city struct {
	slots     map[int64]uint32
	houses    []listing
	visible   *roaring.Bitmap           // live, not hidden
	areas     map[int64]*roaring.Bitmap // visible, per area
	taken     map[stay.Date]*roaring.Bitmap
	holds     map[hold]occupied
	all       *sortTrees
	areaTrees map[int64]*sortTrees
	// bulk defers the sort orders while a load adds every house: they are
	// then built in one sorted pass (buildTrees), which packs the B-tree
	// nodes full instead of half-full (a third of the index's memory at
	// 100,000 houses).
	bulk bool
}

func newCity() *city {
	return &city{
		slots: map[int64]uint32{}, visible: roaring.New(), areas: map[int64]*roaring.Bitmap{},
		taken: map[stay.Date]*roaring.Bitmap{}, holds: map[hold]occupied{},
		all: newSortTrees(), areaTrees: map[int64]*sortTrees{},
	}
}

// houseRow and holdRow are what the index reads of a house and of an
// occupying order or a block.
type houseRow struct {
	Id, Area, Price, OrderCount, Created int64
	Hidden                               bool
}

type holdRow struct {
	hold
	House      int64
	Start, End stay.Date
}

// setHouse adds a house or moves it to its new keys.
func (c *city) setHouse(r houseRow) {
	slot, known := c.slots[r.Id]
	if !known {
		slot = uint32(len(c.houses))
		c.slots[r.Id] = slot
		c.houses = append(c.houses, listing{})
	}
	h := &c.houses[slot]
	c.hide(slot)
	h.id, h.area, h.price, h.orderCount, h.created, h.hidden, h.live =
		r.Id, r.Area, r.Price, r.OrderCount, r.Created, r.Hidden, true
	if !h.hidden {
		c.show(slot)
	}
}

// removeHouse takes a deleted house and its stays out.
func (c *city) removeHouse(id int64) {
	slot, ok := c.slots[id]
	if !ok {
		return
	}
	c.hide(slot)
	h := &c.houses[slot]
	for _, o := range slices.Clone(h.holds) {
		c.dropHold(o)
	}
	h.live = false
}

// show puts a visible house in its area and the sort orders.
func (c *city) show(slot uint32) {
	h := &c.houses[slot]
	c.visible.Add(slot)
	area := c.areas[h.area]
	if area == nil {
		area = roaring.New()
		c.areas[h.area] = area
		c.areaTrees[h.area] = newSortTrees()
	}
	area.Add(slot)
	if c.bulk {
		return
	}
	for s := range sortCount {
		it := item{h.key(s), h.id, slot}
		c.all[s].Set(it)
		c.areaTrees[h.area][s].Set(it)
	}
}

// buildTrees fills the sort orders of a bulk load, each from a sorted list.
func (c *city) buildTrees() {
	for s := range sortCount {
		all := make([]item, 0, c.visible.GetCardinality())
		c.visible.Iterate(func(slot uint32) bool {
			h := &c.houses[slot]
			all = append(all, item{h.key(s), h.id, slot})
			return true
		})
		slices.SortFunc(all, func(a, b item) int {
			if itemLess(a, b) {
				return -1
			}
			return 1
		})
		for _, it := range all {
			c.all[s].Load(it)
			c.areaTrees[c.houses[it.slot].area][s].Load(it)
		}
	}
	c.bulk = false
}

// hide takes a house out of the area and the sort orders, by its current keys.
func (c *city) hide(slot uint32) {
	if !c.visible.Contains(slot) {
		return
	}
	h := &c.houses[slot]
	c.visible.Remove(slot)
	c.areas[h.area].Remove(slot)
	for s := range sortCount {
		it := item{h.key(s), h.id, slot}
		c.all[s].Delete(it)
		c.areaTrees[h.area][s].Delete(it)
	}
}

// setHold records the days a hold takes (moving them if they changed). A
// hold on a house the index does not know yet is skipped: the house's own
// refresh reads its holds.
func (c *city) setHold(r holdRow) {
	c.dropHold(r.hold)
	slot, ok := c.slots[r.House]
	if !ok || !c.houses[slot].live || r.End < r.Start {
		return
	}
	o := occupied{slot, stay.Range{Start: r.Start, End: r.End}}
	c.holds[r.hold] = o
	c.houses[slot].holds = append(c.houses[slot].holds, r.hold)
	for d := o.stay.Start; d <= o.stay.End; d++ {
		b := c.taken[d]
		if b == nil {
			b = roaring.New()
			c.taken[d] = b
		}
		b.Add(slot)
	}
}

// dropHold frees a hold's days. A day stays taken while another hold of
// the same house covers it (an imported block may overlap an order).
func (c *city) dropHold(id hold) {
	o, ok := c.holds[id]
	if !ok {
		return
	}
	delete(c.holds, id)
	h := &c.houses[o.slot]
	h.holds = slices.DeleteFunc(h.holds, func(x hold) bool { return x == id })
	for d := o.stay.Start; d <= o.stay.End; d++ {
		if c.coveredByOther(h, d) {
			continue
		}
		if b := c.taken[d]; b != nil {
			b.Remove(o.slot)
			if b.IsEmpty() {
				delete(c.taken, d)
			}
		}
	}
}

func (c *city) coveredByOther(h *listing, d stay.Date) bool {
	for _, other := range h.holds {
		if s := c.holds[other].stay; s.Start <= d && d <= s.End {
			return true
		}
	}
	return false
}

// query is a validated search (API.md §3.7).
type query struct {
	area   int64 // 0: the whole city
	dated  bool  // leave out houses taken on any day of window
	window stay.Range
	sort   sortKey
}

// search returns the ids of one page of matching houses, in order, and how
// many match in all. Without dates a page is read by rank; with dates the
// taken houses of the window are an OR of day bitmaps, the total is a
// cardinality, and the page walks the sort order from a rank jump.
func (c *city) search(q query, offset, limit int) ([]int64, int) {
	base, trees := c.visible, c.all
	if q.area != 0 {
		base, trees = c.areas[q.area], c.areaTrees[q.area]
		if base == nil {
			return []int64{}, 0
		}
	}
	tree := trees[q.sort]
	taken := roaring.New()
	if q.dated {
		taken = c.takenIn(q.window)
		taken.And(base)
	}
	total := tree.Len() - int(taken.GetCardinality())
	ids := make([]int64, 0, limit)
	if offset >= total {
		return ids, total
	}
	pos, skip := c.seek(tree, taken, q.sort, offset)
	pivot, _ := tree.GetAt(pos)
	tree.Ascend(pivot, func(it item) bool {
		if taken.Contains(it.slot) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		ids = append(ids, it.id)
		return len(ids) < limit
	})
	return ids, total
}

// seek finds where the walk for the offset-th match starts: a position in
// the sort order and how many matches to skip from there. Deep pages jump by
// rank: the matches before position p are p minus the taken houses that
// sort before the item at p (one pass over the taken set, no tree walk).
// Each jump lands at or before the match, since a position adds at most one
// match. Shallow pages, or a taken set larger than the offset, walk from the start.
func (c *city) seek(tree *btree.BTreeG[item], taken *roaring.Bitmap, s sortKey, offset int) (pos, skip int) {
	if offset < 256 || int(taken.GetCardinality())*4 > offset {
		return 0, offset
	}
	pos = offset
	for jumps := 1; ; jumps++ {
		matches := pos - c.takenBefore(tree, taken, s, pos)
		if matches == offset || jumps == 8 {
			return pos, offset - matches
		}
		pos += offset - matches
	}
}

// takenBefore counts the taken houses that sort before position pos.
func (c *city) takenBefore(tree *btree.BTreeG[item], taken *roaring.Bitmap, s sortKey, pos int) int {
	at, _ := tree.GetAt(pos)
	n := 0
	taken.Iterate(func(slot uint32) bool {
		h := &c.houses[slot]
		if itemLess(item{h.key(s), h.id, slot}, at) {
			n++
		}
		return true
	})
	return n
}

// takenIn is the OR of the day bitmaps of a window.
func (c *city) takenIn(w stay.Range) *roaring.Bitmap {
	var days []*roaring.Bitmap
	if w.Days() <= int64(len(c.taken)) {
		for d := w.Start; d <= w.End; d++ {
			if b := c.taken[d]; b != nil {
				days = append(days, b)
			}
		}
	} else {
		for d, b := range c.taken {
			if w.Start <= d && d <= w.End {
				days = append(days, b)
			}
		}
	}
	if len(days) == 0 {
		return roaring.New()
	}
	return roaring.FastOr(days...)
}

// areaSums is the reconciliation's fingerprint of one area: counts and sums
// of the columns the index keeps, computed the same way from SQL.
type areaSums struct {
	Houses, HouseIds, Prices, OrderCounts, Hidden int64
	Orders, OrderIds, Starts, Ends                int64
	Blocks, BlockIds, BlockStarts, BlockEnds      int64
}

func (c *city) sums() map[int64]areaSums {
	out := map[int64]areaSums{}
	for i := range c.houses {
		h := &c.houses[i]
		if !h.live {
			continue
		}
		s := out[h.area]
		s.Houses++
		s.HouseIds += h.id
		s.Prices += h.price
		s.OrderCounts += h.orderCount
		if h.hidden {
			s.Hidden++
		}
		for _, o := range h.holds {
			st := c.holds[o].stay
			if o < 0 {
				s.Blocks++
				s.BlockIds += int64(-o)
				s.BlockStarts += int64(st.Start)
				s.BlockEnds += int64(st.End)
			} else {
				s.Orders++
				s.OrderIds += int64(o)
				s.Starts += int64(st.Start)
				s.Ends += int64(st.End)
			}
		}
		out[h.area] = s
	}
	return out
}

// compareSums lists the areas whose fingerprints differ.
func compareSums(a, b map[int64]areaSums) []int64 {
	var diff []int64
	for area, s := range a {
		if b[area] != s {
			diff = append(diff, area)
		}
	}
	for area := range b {
		if _, ok := a[area]; !ok {
			diff = append(diff, area)
		}
	}
	slices.SortFunc(diff, cmp.Compare)
	return diff
}
