package order_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
)

// TestStatusActionActor walks the whole table status × action × actor.
func TestStatusActionActor(t *testing.T) {
	statuses := []string{"WAIT_ACCEPT", "WAIT_PAYMENT", "PAID", "WAIT_COMMENT", "COMPLETE", "REJECTED", "CANCELED"}
	actions := []string{"accept", "reject", "cancel", "comment"}
	actors := []string{"guest", "landlord", "stranger"}
	// the statuses each action works from (the guest cancels before and
	// after paying, API.md §6.4: the stays here start in the future), and
	// the actor who may take it
	from := map[string][]string{"accept": {"WAIT_ACCEPT"}, "reject": {"WAIT_ACCEPT"},
		"cancel": {"WAIT_ACCEPT", "WAIT_PAYMENT", "PAID"}, "comment": {"WAIT_COMMENT"}}
	to := map[string]string{"accept": "WAIT_COMMENT", "reject": "REJECTED", "cancel": "CANCELED", "comment": "COMPLETE"}
	who := map[string]string{"accept": "landlord", "reject": "landlord", "cancel": "guest", "comment": "guest"}

	s := newStage(t, nil)
	clients := map[string]*apptest.Client{"guest": s.guestC, "landlord": s.landlordC, "stranger": s.otherC}
	day := 0
	for _, status := range statuses {
		for _, action := range actions {
			for _, actor := range actors {
				name := fmt.Sprintf("%s/%s/%s", status, action, actor)
				t.Run(name, func(t *testing.T) {
					day += 2
					o := s.app.CreateOrder(s.house, s.guest, s.app.Today(day), s.app.Today(day), status)
					countBefore := orderCount(t, s)

					var r *apptest.Response
					if action == "comment" {
						r = clients[actor].Put("/api/v1.0/orders/comment", map[string]any{"order_id": o.Id, "comment": "很好"})
					} else {
						r = clients[actor].Put("/api/v1.0/orders", map[string]any{"action": action, "order_id": o.Id, "reason": "有事"})
					}

					want, wantStatus := "0", to[action]
					switch {
					case actor != who[action]:
						want, wantStatus = "4105", status
					case !slices.Contains(from[action], status):
						want, wantStatus = "4004", status
					}
					r.Expect(t, http.StatusOK, want)
					if got := s.status(t, o.Id); got != wantStatus {
						t.Fatalf("status %s, want %s", got, wantStatus)
					}
					wantCount := countBefore
					if action == "comment" && want == "0" {
						wantCount++
					}
					if got := orderCount(t, s); got != wantCount {
						t.Fatalf("order_count %d, want %d", got, wantCount)
					}
				})
			}
		}
	}
}

func orderCount(t *testing.T, s *stage) int {
	t.Helper()
	h, err := s.app.FindRecordById("houses", s.house.Id)
	if err != nil {
		t.Fatal(err)
	}
	return h.GetInt("order_count")
}

func TestAnswerParams(t *testing.T) {
	s := newStage(t, nil)
	s.book(s.guestC, 1, 2).OK(t)
	put := func(c *apptest.Client, body map[string]any) *apptest.Response { return c.Put("/api/v1.0/orders", body) }

	app := s.app
	put(app.Client(), map[string]any{"action": "accept", "order_id": 1}).Expect(t, http.StatusOK, "4101")
	for field, body := range map[string]map[string]any{
		"action":   {"action": "approve", "order_id": 1},
		"order_id": {"action": "accept", "order_id": "one"},
		"reason":   {"action": "reject", "order_id": 1, "reason": strings.Repeat("因", 201)},
	} {
		r := put(s.landlordC, body).Expect(t, http.StatusOK, "4103")
		if !strings.Contains(r.Errmsg, field) {
			t.Errorf("errmsg %q does not name %s", r.Errmsg, field)
		}
	}
	put(s.landlordC, map[string]any{"action": "reject", "order_id": 1}).Expect(t, http.StatusOK, "4103")
	put(s.landlordC, map[string]any{"action": "accept", "order_id": 99}).Expect(t, http.StatusOK, "4002")

	put(s.landlordC, map[string]any{"action": "reject", "order_id": "1", "reason": "房屋维修"}).OK(t)
	o, _ := app.FindRecordById("orders", "1")
	if o.GetString("status") != "REJECTED" || o.GetString("comment") != "房屋维修" {
		t.Fatalf("order %v", o.FieldsData())
	}

	s.book(s.guestC, 3, 4).OK(t)
	c := s.guestC
	c.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 2}).Expect(t, http.StatusOK, "4103")
	c.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 2, "comment": strings.Repeat("好", 501)}).Expect(t, http.StatusOK, "4103")
	c.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 99, "comment": "好"}).Expect(t, http.StatusOK, "4002")
}

func TestReviewAppearsOnTheHouse(t *testing.T) {
	s := newStage(t, nil)
	s.app.Client().Get("/api/v1.0/houses/" + s.house.Id).OK(t) // the detail is now cached
	s.book(s.guestC, 1, 2).OK(t)
	s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": 1}).OK(t)
	s.guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 1, "comment": "干净整洁，推荐"}).OK(t)

	var d struct {
		House struct {
			OrderCount int `json:"order_count"`
			Comments   []struct {
				UserName string `json:"user_name"`
				Comment  string `json:"comment"`
			} `json:"comments"`
		} `json:"house"`
	}
	s.app.Client().Get("/api/v1.0/houses/"+s.house.Id).OK(t).Decode(t, &d)
	if d.House.OrderCount != 1 || len(d.House.Comments) != 1 || d.House.Comments[0].Comment != "干净整洁，推荐" ||
		d.House.Comments[0].UserName != "138****0002" {
		t.Fatalf("detail %+v", d.House)
	}

	// a reviewer's new name shows too (users changes drop the cached pages)
	s.guestC.Post("/api/v1.0/user/name", map[string]any{"name": "小李"}).OK(t)
	s.app.Client().Get("/api/v1.0/houses/"+s.house.Id).OK(t).Decode(t, &d)
	if d.House.Comments[0].UserName != "小李" {
		t.Fatalf("reviewer name %q", d.House.Comments[0].UserName)
	}
}

func TestExpiryCron(t *testing.T) {
	s := newStage(t, nil)
	app := s.app
	late := app.CreateOrder(s.house, s.guest, app.Today(-1), app.Today(1), "WAIT_ACCEPT")
	today := app.CreateOrder(s.house, s.guest, app.Today(2), app.Today(3), "WAIT_ACCEPT")
	answered := app.CreateOrder(s.house, s.guest, app.Today(-3), app.Today(-2), "WAIT_COMMENT")

	app.RunCron("ihome.order.expire")
	o, _ := app.FindRecordById("orders", late.Id)
	if o.GetString("status") != "CANCELED" || o.GetString("comment") != "房东未及时接单" {
		t.Fatalf("late order %v", o.FieldsData())
	}
	if s.status(t, today.Id) != "WAIT_ACCEPT" || s.status(t, answered.Id) != "WAIT_COMMENT" {
		t.Fatal("cron touched an order it should not")
	}

	app.Clock.Advance(3 * 24 * time.Hour)
	s.guestC = app.Login(apptest.Mobile(2))
	app.RunCron("ihome.order.expire")
	if s.status(t, today.Id) != "CANCELED" {
		t.Fatal("the second order did not expire once its start date passed")
	}
	s.book(s.otherC, 0, 1).OK(t) // the freed dates can be booked again
}

func TestRulesHoldForStaffEdits(t *testing.T) {
	s := newStage(t, nil)
	app := s.app
	a := app.CreateOrder(s.house, s.guest, app.Today(1), app.Today(3), "WAIT_ACCEPT")
	b := app.CreateOrder(s.house, s.other, app.Today(5), app.Today(6), "WAIT_ACCEPT")

	if err := app.Save(clone(t, app, b.Id, "start_date", app.Today(3))); err == nil || !strings.Contains(err.Error(), "房屋已被预订") {
		t.Fatalf("an overlapping edit was saved: %v", err)
	}
	if err := app.Save(clone(t, app, b.Id, "start_date", app.Today(4))); err != nil {
		t.Fatalf("a fine edit was refused: %v", err)
	}

	if err := app.Save(clone(t, app, a.Id, "status", "COMPLETE")); err == nil {
		t.Fatal("WAIT_ACCEPT → COMPLETE was allowed")
	}
	done := clone(t, app, a.Id, "status", "WAIT_COMMENT")
	if err := app.Save(done); err != nil {
		t.Fatal(err)
	}
	back := clone(t, app, a.Id, "status", "WAIT_ACCEPT")
	if err := app.Save(back); err == nil {
		t.Fatal("WAIT_COMMENT → WAIT_ACCEPT was allowed")
	}
	if overlaps(app) != 0 {
		t.Fatal("overlapping occupying orders")
	}
}

// clone reloads order id and sets one field, as an admin form would.
func clone(t *testing.T, app *apptest.App, id, field string, value any) *core.Record {
	t.Helper()
	o, err := app.FindRecordById("orders", id)
	if err != nil {
		t.Fatal(err)
	}
	o.Set(field, value)
	return o
}

// TestAfterCommitHooksGetTheCallersApp: the rules run the write in a
// transaction, but hooks after the commit (staff JS hooks, realtime) must
// be able to use the app they are handed.
func TestAfterCommitHooksGetTheCallersApp(t *testing.T) {
	s := newStage(t, nil)
	var errs []error
	check := func(e *core.RecordEvent) error {
		if e.App.IsTransactional() {
			errs = append(errs, fmt.Errorf("%s: handed a transaction", e.Record.Id))
		}
		if _, err := e.App.FindRecordById("areas", "1"); err != nil {
			errs = append(errs, err)
		}
		return e.Next()
	}
	s.app.OnRecordAfterCreateSuccess("orders", "houses").BindFunc(check)
	s.app.OnRecordAfterUpdateSuccess("orders").BindFunc(check)
	o := s.app.CreateOrder(s.house, s.guest, s.app.Today(1), s.app.Today(2), "WAIT_ACCEPT")
	s.app.CreateHouse(s.landlord, nil)
	if err := s.app.Save(clone(t, s.app, o.Id, "status", "CANCELED")); err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		t.Error(err)
	}
}
