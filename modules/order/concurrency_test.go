package order_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules"
)

// TestConcurrentOverlappingBookings: many guests book overlapping dates of
// one house at the same moment; exactly one wins.
func TestConcurrentOverlappingBookings(t *testing.T) {
	s := newStage(t, nil)
	guests := []*apptest.Client{s.guestC, s.otherC}
	for i := 4; i < 10; i++ {
		_, c := s.app.NewUser(i)
		guests = append(guests, c)
	}

	results := apptest.Fire(60, func(i int) *apptest.Response {
		from := 10 + i%3 // windows [10,12], [11,13], [12,14] all share day 12
		return s.book(guests[i%len(guests)], from, from+2)
	})

	won := 0
	for i, r := range results {
		switch {
		case r.Status == http.StatusOK && r.Errno == "0":
			won++
		case r.Status == http.StatusOK && r.Errno == "4004":
		default:
			t.Errorf("request %d: HTTP %d %s", i, r.Status, r.Body)
		}
	}
	if won != 1 {
		t.Fatalf("%d bookings succeeded, want exactly 1", won)
	}
	if n := s.app.Count("SELECT count(*) FROM orders"); n != 1 {
		t.Fatalf("%d orders stored", n)
	}
}

// TestConcurrentOpenOrderCap: one guest books 20 houses at the same
// moment; the cap on open orders (5) is counted in the transaction that
// inserts, so exactly 5 succeed and 15 get 4201.
func TestConcurrentOpenOrderCap(t *testing.T) {
	s := newStage(t, nil)
	houses := make([]*core.Record, 20)
	for i := range houses {
		houses[i] = s.app.CreateHouse(s.landlord, nil)
	}
	rs := apptest.Fire(len(houses), func(i int) *apptest.Response {
		return s.guestC.Post("/api/v1.0/orders", map[string]any{
			"house_id": houses[i].Id, "start_date": s.app.Today(1), "end_date": s.app.Today(2)})
	})
	if got := tally(rs); got["0"] != 5 || got["4201"] != 15 {
		t.Fatalf("answers %v, want 5×0 and 15×4201", got)
	}
	if n := s.app.Count("SELECT count(*) FROM orders WHERE guest = '" + s.guest.Id + "'"); n != 5 {
		t.Fatalf("%d orders stored, want 5", n)
	}
}

// TestConcurrentBookingsAndAnswers mixes bookings with accept, reject and
// cancel on one house; no two occupying orders may end up overlapping.
// (The cap on open orders is lifted: its answers are not the subject.)
func TestConcurrentBookingsAndAnswers(t *testing.T) {
	s := newStage(t, nil, apptest.WithConfig(func(c *modules.Config) { c.Order.MaxOpenOrders = 1000 }))
	type guest struct {
		c  *apptest.Client
		id string
	}
	guests := []guest{{s.guestC, s.guest.Id}, {s.otherC, s.other.Id}}
	for i := 4; i < 8; i++ {
		u, c := s.app.NewUser(i)
		guests = append(guests, guest{c, u.Id})
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	check := func(r *apptest.Response, allowed ...string) {
		for _, a := range allowed {
			if r.Status == http.StatusOK && r.Errno == a {
				return
			}
		}
		fail("HTTP %d %s", r.Status, r.Body)
	}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			g := guests[w%len(guests)]
			for range 25 {
				from := 1 + rng.IntN(20)
				r := s.book(g.c, from, from+rng.IntN(3))
				check(r, "0", "4004")
				if r.Errno != "0" {
					continue
				}
				var d struct {
					OrderId int `json:"order_id"`
				}
				if err := json.Unmarshal(r.Data, &d); err != nil {
					fail("booking answer %s: %v", r.Data, err)
					continue
				}
				switch rng.IntN(3) {
				case 0:
					check(g.c.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": d.OrderId}), "0", "4004")
				case 1:
					check(s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": d.OrderId, "reason": "满"}), "0", "4004")
				}
			}
		}()
	}
	// the landlord accepts whatever is waiting, racing the guests
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 40 {
			var list struct {
				Orders []struct {
					OrderId int    `json:"order_id"`
					Status  string `json:"status"`
				} `json:"orders"`
			}
			r := s.landlordC.Get("/api/v1.0/orders?role=landlord")
			check(r, "0")
			if err := json.Unmarshal(r.Data, &list); err != nil {
				fail("landlord list %s: %v", r.Data, err)
				return
			}
			for _, o := range list.Orders {
				if o.Status == "WAIT_ACCEPT" {
					check(s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": o.OrderId}), "0", "4004")
					break
				}
			}
		}
	}()
	wg.Wait()

	for _, f := range failures {
		t.Error(f)
	}
	if n := overlaps(s.app); n != 0 {
		t.Fatalf("%d pairs of overlapping occupying orders", n)
	}
	if s.app.Count("SELECT count(*) FROM orders") == 0 {
		t.Fatal("no booking went through")
	}
}
