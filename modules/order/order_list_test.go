package order_test

import (
	"fmt"
	"testing"

	"ihome/internal/apptest"
	"ihome/modules"
)

// TestOrderListPages: API.md §1.7: GET /orders takes p, answers at most
// ListPageSize orders a page (50 by default) and total_page; no p is page
// 1; a page past the end is empty.
func TestOrderListPages(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Order.ListPageSize = 2 }))
	owner, _ := app.NewUser(1)
	guest, guestC := app.NewUser(2)
	h := app.CreateHouse(owner, nil)
	for i := range 5 {
		app.CreateOrder(h, guest, app.Today(2*i+1), app.Today(2*i+1), "WAIT_ACCEPT")
	}
	type page struct {
		Orders []struct {
			OrderId int `json:"order_id"`
		} `json:"orders"`
		TotalPage int `json:"total_page"`
	}
	for _, tc := range []struct{ p, want string }{
		{"", "[{5} {4}] 3"}, {"&p=2", "[{3} {2}] 3"}, {"&p=3", "[{1}] 3"}, {"&p=4", "[] 3"}, {"&p=x", "[{5} {4}] 3"},
	} {
		var got page
		guestC.Get("/api/v1.0/orders?role=custom"+tc.p).OK(t).Decode(t, &got)
		if s := fmt.Sprint(got.Orders, " ", got.TotalPage); s != tc.want {
			t.Errorf("p%s: %s, want %s", tc.p, s, tc.want)
		}
	}
}
