package order_test

import (
	"maps"
	"net/http"
	"testing"

	"ihome/internal/apptest"
)

const ordersAPI = "/api/collections/orders/records"

// TestStaffOrderRules: staff write orders through PocketBase's record API
// (the admin UI). Impossible or inverted dates, derived fields that
// disagree with the dates, an order born in any status but WAIT_ACCEPT and
// a move to another house are refused with a validation error on the
// field; blank derived fields are computed, and follow the dates.
func TestStaffOrderRules(t *testing.T) {
	s := newStage(t, map[string]any{"price": 10000})
	app := s.app
	staff := staffClient(t, app)
	d := app.Today
	order := func(change map[string]any) map[string]any {
		o := map[string]any{"house": s.house.Id, "guest": s.guest.Id, "start_date": d(1), "end_date": d(2),
			"status": "WAIT_ACCEPT", "price": 10000, "days": 2, "amount": 20000}
		maps.Copy(o, change)
		for k, v := range o {
			if v == nil {
				delete(o, k)
			}
		}
		return o
	}

	for _, c := range []struct {
		name   string
		change map[string]any
		field  string
	}{
		{"impossible end", map[string]any{"end_date": "2029-13-45"}, "end_date"},
		{"impossible start", map[string]any{"start_date": "2030-02-29", "end_date": "2030-03-02"}, "start_date"},
		{"inverted dates", map[string]any{"start_date": d(5), "end_date": d(3)}, "end_date"},
		{"stay over 366 days", map[string]any{"start_date": d(1), "end_date": d(367), "days": 367, "amount": 367 * 10000}, "end_date"},
		{"days that disagree", map[string]any{"days": 5}, "days"},
		{"amount that disagrees", map[string]any{"amount": 1}, "amount"},
		{"born COMPLETE", map[string]any{"status": "COMPLETE"}, "status"},
		{"born WAIT_COMMENT", map[string]any{"status": "WAIT_COMMENT"}, "status"},
		{"born PAID", map[string]any{"status": "PAID"}, "status"},
		{"born CANCELED", map[string]any{"status": "CANCELED"}, "status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refused(t, staff.Post(ordersAPI, order(c.change)), c.field)
		})
	}
	if n := app.Count("SELECT count(*) FROM orders"); n != 0 {
		t.Fatalf("%d refused orders were saved", n)
	}

	// blank derived fields (and a blank price: the house's) are computed
	r := staff.Post(ordersAPI, order(map[string]any{"days": nil, "amount": nil, "price": nil, "status": nil, "end_date": d(3)}))
	if r.Status != http.StatusOK {
		t.Fatalf("create: HTTP %d %s", r.Status, r.Body)
	}
	o, err := app.FindFirstRecordByData("orders", "guest", s.guest.Id)
	if err != nil {
		t.Fatal(err)
	}
	if o.GetInt("days") != 3 || o.GetInt("price") != 10000 || o.GetInt("amount") != 30000 || o.GetString("status") != "WAIT_ACCEPT" {
		t.Fatalf("stored %v", o.FieldsData())
	}
	one := ordersAPI + "/" + o.Id
	patch := func(body map[string]any) *apptest.Response { return staff.Do(http.MethodPatch, one, body) }

	// new dates carry days and amount along; a new price snapshot the amount
	if r := patch(map[string]any{"end_date": d(4)}); r.Status != http.StatusOK {
		t.Fatalf("patch dates: HTTP %d %s", r.Status, r.Body)
	}
	if r := patch(map[string]any{"price": 9000}); r.Status != http.StatusOK {
		t.Fatalf("patch price: HTTP %d %s", r.Status, r.Body)
	}
	if o, _ = app.FindRecordById("orders", o.Id); o.GetInt("days") != 4 || o.GetInt("amount") != 36000 {
		t.Fatalf("after the edits: %v", o.FieldsData())
	}
	refused(t, patch(map[string]any{"days": 9}), "days")
	refused(t, patch(map[string]any{"amount": 100}), "amount")
	refused(t, patch(map[string]any{"start_date": "2029-02-29"}), "start_date")
	refused(t, patch(map[string]any{"end_date": d(0)}), "end_date")
	refused(t, patch(map[string]any{"house": app.CreateHouse(s.landlord, nil).Id}), "house")
	refused(t, patch(map[string]any{"status": "COMPLETE"}), "status")
	if o, _ = app.FindRecordById("orders", o.Id); o.GetInt("days") != 4 || o.GetInt("amount") != 36000 || o.GetString("end_date") != d(4) {
		t.Fatalf("a refused edit was saved: %v", o.FieldsData())
	}
}

// TestStaffCompleteCountsOnce: an order brought to COMPLETE raises its
// house's order_count once, whoever does it (staff in the admin UI, or the
// guest's review), and deleting a completed order lowers it again.
func TestStaffCompleteCountsOnce(t *testing.T) {
	s := newStage(t, map[string]any{"order_count": 7})
	app := s.app
	staff := staffClient(t, app)
	a := app.CreateOrder(s.house, s.guest, app.Today(1), app.Today(1), "WAIT_COMMENT")
	b := app.CreateOrder(s.house, s.guest, app.Today(2), app.Today(2), "WAIT_COMMENT")

	if r := staff.Do(http.MethodPatch, ordersAPI+"/"+a.Id, map[string]any{"status": "COMPLETE"}); r.Status != http.StatusOK {
		t.Fatalf("staff complete: HTTP %d %s", r.Status, r.Body)
	}
	if n := orderCount(t, s); n != 8 {
		t.Fatalf("order_count %d after staff completed an order, want 8", n)
	}
	// saving it again, still COMPLETE, does not count it again
	if r := staff.Do(http.MethodPatch, ordersAPI+"/"+a.Id, map[string]any{"comment": "staff note"}); r.Status != http.StatusOK {
		t.Fatalf("staff edit: HTTP %d %s", r.Status, r.Body)
	}
	s.guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": b.Id, "comment": "很好"}).OK(t)
	if n := orderCount(t, s); n != 9 {
		t.Fatalf("order_count %d after a review, want 9 (counted once)", n)
	}
	if r := staff.Delete(ordersAPI + "/" + a.Id); r.Status != http.StatusNoContent {
		t.Fatalf("delete: HTTP %d %s", r.Status, r.Body)
	}
	if n := orderCount(t, s); n != 8 {
		t.Fatalf("order_count %d after a completed order was deleted, want 8", n)
	}
}

// TestStaffChosenIds: an id typed by staff beyond the next one in sequence
// is refused (it used to move the counter past the id pattern, and every
// later booking failed with 4001); the next id itself is fine.
func TestStaffChosenIds(t *testing.T) {
	s := newStage(t, nil)
	app := s.app
	staff := staffClient(t, app)
	s.book(s.guestC, 1, 1).OK(t) // order 1
	body := func(id string, day int) map[string]any {
		return map[string]any{"id": id, "house": s.house.Id, "guest": s.other.Id,
			"start_date": app.Today(day), "end_date": app.Today(day), "price": 10000, "days": 1, "amount": 10000, "status": "WAIT_ACCEPT"}
	}
	refused(t, staff.Post(ordersAPI, body("999999999999999", 3)), "id")
	refused(t, staff.Post(ordersAPI, body("3", 3)), "id")
	if r := staff.Post(ordersAPI, body("2", 3)); r.Status != http.StatusOK {
		t.Fatalf("the next id: HTTP %d %s", r.Status, r.Body)
	}
	r := s.book(s.guestC, 5, 5).OK(t)
	if string(r.Data) != `{"order_id":3}` {
		t.Fatalf("booking after staff ids: %s", r.Data)
	}
	// houses use the same sequences
	house := apptest.HouseFields()
	house["owner"], house["id"] = s.landlord.Id, "999999999999999"
	refused(t, staff.Post("/api/collections/houses/records", house), "id")
	app.CreateHouse(s.landlord, nil)
}
