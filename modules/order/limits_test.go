package order_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules"
)

// TestOpenOrderCap (API.md §1.7): a guest holds at most 5 orders waiting
// for an answer or a payment; the 6th booking is 4201 and saves nothing.
// An answered, canceled or rejected order frees its place.
func TestOpenOrderCap(t *testing.T) {
	s := newStage(t, nil)
	app := s.app
	houses := make([]*core.Record, 8)
	for i := range houses {
		houses[i] = app.CreateHouse(s.landlord, nil)
	}
	book := func(i int) *apptest.Response {
		return s.guestC.Post("/api/v1.0/orders", map[string]any{"house_id": houses[i].Id, "start_date": app.Today(1), "end_date": app.Today(2)})
	}
	for i := range 5 {
		book(i).OK(t)
	}
	r := book(5).Expect(t, http.StatusOK, "4201")
	if r.Errmsg == "" {
		t.Fatal("no message")
	}
	if n := app.Count("SELECT count(*) FROM orders"); n != 5 {
		t.Fatalf("%d orders stored", n)
	}
	// another guest is not held by this one's orders
	s.otherC.Post("/api/v1.0/orders", map[string]any{"house_id": houses[7].Id, "start_date": app.Today(1), "end_date": app.Today(2)}).OK(t)

	s.guestC.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": 1}).OK(t)
	book(5).OK(t)
	book(6).Expect(t, http.StatusOK, "4201")
	s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": 2}).OK(t) // WAIT_COMMENT: no longer open
	book(6).OK(t)
}

// TestOpenOrderCapIsConfigurable: the cap is Config.MaxOpenOrders.
func TestOpenOrderCapIsConfigurable(t *testing.T) {
	s := newStage(t, nil, apptest.WithConfig(func(c *modules.Config) { c.Order.MaxOpenOrders = 1 }))
	s.book(s.guestC, 1, 1).OK(t)
	s.book(s.guestC, 2, 2).Expect(t, http.StatusOK, "4201")
}

// TestStayLength (API.md §1.7): a stay is at most 366 days, whatever the
// house allows (max_days 0 = no house limit), and the cap is configurable.
func TestStayLength(t *testing.T) {
	s := newStage(t, map[string]any{"max_days": 0})
	s.book(s.guestC, 400, 766).Expect(t, http.StatusOK, "4103") // 367 days
	r := s.book(s.guestC, 400, 400+3649).Expect(t, http.StatusOK, "4103")
	if r.Errmsg != "参数错误: end_date" {
		t.Fatalf("errmsg %q", r.Errmsg)
	}
	s.book(s.guestC, 1, 366).OK(t) // 366 days

	short := newStage(t, map[string]any{"max_days": 0}, apptest.WithConfig(func(c *modules.Config) { c.Order.MaxStayDays = 30 }))
	short.book(short.guestC, 1, 31).Expect(t, http.StatusOK, "4103")
	short.book(short.guestC, 1, 30).OK(t)
}
