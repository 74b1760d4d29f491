package search_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/calendar"
	"ihome/modules/search"
)

var sorts = []string{"new", "booking", "price-inc", "price-des"}

// TestIndexMatchesSQL is the property test of issue 12: random cities and
// random writes (through records, so the hooks run as for any writer);
// after each round, for every sort, area, window and page, the search
// answer over HTTP equals the plain SQL reference, and came from the index.
// A page size of 1 makes deep offsets, so the rank jump is exercised.
func TestIndexMatchesSQL(t *testing.T) {
	for _, size := range []int{1, 10} {
		t.Run(fmt.Sprintf("page_size_%d", size), func(t *testing.T) {
			t.Parallel()
			app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Search.PageSize = size }))
			rng := rand.New(rand.NewPCG(uint64(size), 7))
			c := newCity(t, app, rng, 320)
			if _, err := search.Reconcile(app); err != nil {
				t.Fatal(err)
			}
			for round := range 4 {
				if round == 2 { // the load at start: bulk-built, then kept by the hooks
					if err := search.Reload(app); err != nil {
						t.Fatal(err)
					}
				}
				c.writes(rng, 60)
				checked := c.compare(rng, size, 150)
				t.Logf("round %d: %d pages checked; %d houses, %d orders, %d blocks", round, checked, len(c.houses), len(c.orders), len(c.blocks))
			}
			if diff, err := search.Reconcile(app); err != nil || len(diff) > 0 {
				t.Fatalf("after the writes the index differs from the tables in areas %v (%v)", diff, err)
			}
		})
	}
}

type propCity struct {
	t      *testing.T
	app    *apptest.App
	owner  *core.Record
	guests []*core.Record
	houses []*core.Record
	orders []*core.Record
	blocks []*core.Record
}

func newCity(t *testing.T, app *apptest.App, rng *rand.Rand, n int) *propCity {
	owner, _ := landlord(t, app, 1)
	c := &propCity{t: t, app: app, owner: owner}
	for i := range 100 {
		c.guests = append(c.guests, app.CreateUser(apptest.Mobile(100+i)))
	}
	for range n {
		c.addHouse(rng)
	}
	for range n / 2 {
		c.addOrder(rng)
	}
	for range n / 10 {
		c.addBlock(rng)
	}
	return c
}

func (c *propCity) addHouse(rng *rand.Rand) {
	h := c.app.CreateHouse(c.owner, map[string]any{
		"area": strconv.Itoa(1 + rng.IntN(4)), "price": 100 * (1 + rng.IntN(5)), // few prices: many ties
		"order_count": rng.IntN(3), "hidden": rng.IntN(12) == 0,
	})
	c.houses = append(c.houses, h)
}

// paths are the status walks an order can take from WAIT_ACCEPT (API.md §4, §6).
var paths = [][]string{
	{}, {"WAIT_COMMENT"}, {"WAIT_COMMENT", "COMPLETE"}, {"REJECTED"}, {"CANCELED"},
	{"WAIT_PAYMENT"}, {"WAIT_PAYMENT", "PAID"}, {"WAIT_PAYMENT", "CANCELED"},
}

var transitions = map[string][]string{
	"WAIT_ACCEPT": {"WAIT_COMMENT", "REJECTED", "CANCELED", "WAIT_PAYMENT"}, "WAIT_PAYMENT": {"PAID", "CANCELED"},
	"PAID": {"WAIT_COMMENT", "CANCELED"}, "WAIT_COMMENT": {"COMPLETE"},
}

// addOrder books random dates for one of many guests (the open-order cap
// is per guest) and walks it to a random status. One that overlaps an
// occupying order or a block is refused by the rules, as for any writer.
func (c *propCity) addOrder(rng *rand.Rand) {
	h := c.houses[rng.IntN(len(c.houses))]
	start := rng.IntN(40) - 10
	col, _ := c.app.FindCollectionByNameOrId("orders")
	o := core.NewRecord(col)
	o.Load(map[string]any{"house": h.Id, "guest": c.guests[rng.IntN(len(c.guests))].Id,
		"start_date": c.app.Today(start), "end_date": c.app.Today(start + rng.IntN(6))})
	if err := c.app.Save(o); err != nil {
		return
	}
	for _, s := range paths[rng.IntN(len(paths))] {
		o.Set("status", s)
		if err := c.app.Save(o); err != nil {
			c.t.Fatalf("order %s → %s: %v", o.Id, s, err)
		}
	}
	c.orders = append(c.orders, o)
}

// addBlock blocks a few random days of a random house.
func (c *propCity) addBlock(rng *rand.Rand) {
	h := c.houses[rng.IntN(len(c.houses))]
	col, _ := c.app.FindCollectionByNameOrId(calendar.BlocksCollection)
	b := core.NewRecord(col)
	start := rng.IntN(40) - 10
	b.Load(map[string]any{calendar.FieldHouse: h.Id, calendar.FieldStartDate: c.app.Today(start),
		calendar.FieldEndDate: c.app.Today(start + rng.IntN(4))})
	if err := c.app.Save(b); err != nil {
		c.t.Fatal(err)
	}
	c.blocks = append(c.blocks, b)
}

// writes makes n random writes of every kind the index follows.
func (c *propCity) writes(rng *rand.Rand, n int) {
	for range n {
		switch rng.IntN(11) {
		case 9: // a block of the host calendar (imported ones may overlap an order)
			c.addBlock(rng)
		case 10:
			if len(c.blocks) == 0 {
				continue
			}
			i := rng.IntN(len(c.blocks))
			if b, err := c.app.FindRecordById(calendar.BlocksCollection, c.blocks[i].Id); err == nil {
				if err := c.app.Delete(b); err != nil {
					c.t.Fatal(err)
				}
			}
			c.blocks = slices.Delete(c.blocks, i, i+1)
		case 0:
			c.addHouse(rng)
		case 1, 2:
			c.addOrder(rng)
		case 3: // price, booking count, area or visibility of a house
			h := c.houses[rng.IntN(len(c.houses))]
			fresh, err := c.app.FindRecordById("houses", h.Id)
			if err != nil {
				continue
			}
			switch rng.IntN(4) {
			case 0:
				fresh.Set("price", 100*(1+rng.IntN(5)))
			case 1:
				fresh.Set("order_count", rng.IntN(4))
			case 2:
				fresh.Set("area", strconv.Itoa(1+rng.IntN(5)))
			default:
				fresh.Set("hidden", !fresh.GetBool("hidden"))
			}
			if err := c.app.Save(fresh); err != nil {
				c.t.Fatal(err)
			}
		case 4, 5: // a status change along the state machine: frees or keeps the dates
			if len(c.orders) == 0 {
				continue
			}
			o, err := c.app.FindRecordById("orders", c.orders[rng.IntN(len(c.orders))].Id)
			if err != nil {
				continue
			}
			if next := transitions[o.GetString("status")]; len(next) > 0 {
				o.Set("status", next[rng.IntN(len(next))])
				if err := c.app.Save(o); err != nil {
					c.t.Fatal(err)
				}
			}
		case 6: // an order deleted by staff
			if len(c.orders) == 0 {
				continue
			}
			i := rng.IntN(len(c.orders))
			if o, err := c.app.FindRecordById("orders", c.orders[i].Id); err == nil {
				if err := c.app.Delete(o); err != nil {
					c.t.Fatal(err)
				}
			}
			c.orders = slices.Delete(c.orders, i, i+1)
		case 7: // a house without orders deleted by staff
			i := rng.IntN(len(c.houses))
			if h, err := c.app.FindRecordById("houses", c.houses[i].Id); err == nil && c.app.Delete(h) == nil {
				c.houses = slices.Delete(c.houses, i, i+1)
			}
		default: // stay dates moved by staff
			if len(c.orders) == 0 {
				continue
			}
			o, err := c.app.FindRecordById("orders", c.orders[rng.IntN(len(c.orders))].Id)
			if err != nil {
				continue
			}
			start := rng.IntN(40) - 10
			o.Set("start_date", c.app.Today(start))
			o.Set("end_date", c.app.Today(start+rng.IntN(5)))
			_ = c.app.Save(o)
		}
	}
}

// compare checks n random queries, every page of each (and one past the
// end), against the SQL reference; it returns how many pages it checked.
func (c *propCity) compare(rng *rand.Rand, size, n int) int {
	client := c.app.Client()
	checked := 0
	for range n {
		aid := rng.IntN(6) // 0: the city; 5: often empty
		sk := sorts[rng.IntN(len(sorts))]
		var sd, ed string
		if rng.IntN(4) > 0 {
			s := rng.IntN(50) - 15
			sd, ed = c.app.Today(s), c.app.Today(s+rng.IntN(8))
		}
		q := search.Query(int64(aid), sd, ed, sk)
		_, total, err := search.SQLSearch(c.app, q, 0, 1)
		if err != nil {
			c.t.Fatal(err)
		}
		last := (total + size - 1) / size
		// a few pages each (all of them for small answers), always the last and one past it
		pages := []int{1, last, last + 1}
		for range 3 {
			pages = append(pages, 1+rng.IntN(last+1))
		}
		for _, p := range pages {
			if p < 1 {
				continue
			}
			want, wantTotal, err := search.SQLSearch(c.app, q, (p-1)*size, size)
			if err != nil {
				c.t.Fatal(err)
			}
			got, gotTotal, ok := search.IndexSearch(c.app, q, (p-1)*size, size)
			if !ok {
				c.t.Fatal("the index is not loaded: searches were answered from SQL")
			}
			if !slices.Equal(got, want) || gotTotal != wantTotal {
				c.t.Fatalf("aid=%d sd=%s ed=%s sk=%s p=%d: index %v (total %d), SQL %v (total %d)",
					aid, sd, ed, sk, p, got, gotTotal, want, wantTotal)
			}
			// and the route answers the same
			url := fmt.Sprintf("/api/v1.0/houses?sk=%s&p=%d", sk, p)
			if aid > 0 {
				url += fmt.Sprintf("&aid=%d", aid)
			}
			if sd != "" {
				url += "&sd=" + sd + "&ed=" + ed
			}
			var page searchPage
			client.Get(url).OK(c.t).Decode(c.t, &page)
			ids := make([]int64, len(page.Houses))
			for i, h := range page.Houses {
				ids[i] = int64(h.HouseId)
			}
			if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) || page.TotalPage != last {
				c.t.Fatalf("%s: %v (%d pages), want %v (%d pages)", url, ids, page.TotalPage, want, last)
			}
			checked++
		}
	}
	return checked
}
