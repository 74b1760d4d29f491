package order_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"ihome/internal/apptest"
)

func TestBook(t *testing.T) {
	s := newStage(t, map[string]any{"price": 10000, "min_days": 2, "max_days": 5})
	app := s.app

	s.book(app.Client(), 1, 2).Expect(t, http.StatusOK, "4101")

	for _, b := range []struct {
		field string
		body  map[string]any
	}{
		{"house_id", map[string]any{"start_date": app.Today(1), "end_date": app.Today(2)}},
		{"house_id", map[string]any{"house_id": "x", "start_date": app.Today(1), "end_date": app.Today(2)}},
		{"start_date", map[string]any{"house_id": s.house.Id, "start_date": "2026/12/01", "end_date": app.Today(2)}},
		{"start_date", map[string]any{"house_id": s.house.Id, "start_date": app.Today(-1), "end_date": app.Today(2)}},
		{"end_date", map[string]any{"house_id": s.house.Id, "start_date": app.Today(3), "end_date": app.Today(2)}},
		{"end_date", map[string]any{"house_id": s.house.Id, "start_date": app.Today(3), "end_date": "2026-13-01"}},
	} {
		r := s.guestC.Post("/api/v1.0/orders", b.body).Expect(t, http.StatusOK, "4103")
		if !strings.Contains(r.Errmsg, b.field) {
			t.Errorf("%v: errmsg %q does not name %s", b.body, r.Errmsg, b.field)
		}
	}
	s.guestC.Post("/api/v1.0/orders", map[string]any{"house_id": 999, "start_date": app.Today(1), "end_date": app.Today(2)}).
		Expect(t, http.StatusOK, "4002")
	s.book(s.landlordC, 1, 2).Expect(t, http.StatusOK, "4105")
	s.book(s.guestC, 1, 1).Expect(t, http.StatusOK, "4004") // 1 day < min 2
	s.book(s.guestC, 1, 6).Expect(t, http.StatusOK, "4004") // 6 days > max 5
	if n := app.Count("SELECT count(*) FROM orders"); n != 0 {
		t.Fatalf("%d orders saved by refused bookings", n)
	}

	r := s.book(s.guestC, 0, 1).OK(t) // today is bookable
	if string(r.Data) != `{"order_id":1}` {
		t.Fatalf("data %s", r.Data)
	}
	o, _ := app.FindRecordById("orders", "1")
	if o.GetString("status") != "WAIT_ACCEPT" || o.GetInt("days") != 2 || o.GetInt("amount") != 20000 ||
		o.GetInt("price") != 10000 || o.GetString("guest") != s.guest.Id {
		t.Fatalf("order %v", o.FieldsData())
	}

	r = s.book(s.otherC, 1, 3).Expect(t, http.StatusOK, "4004")
	if r.Errmsg != "房屋已被预订" {
		t.Fatalf("errmsg %q", r.Errmsg)
	}
	s.book(s.otherC, 2, 3).OK(t) // adjacent stays do not overlap

	t.Run("price snapshot", func(t *testing.T) {
		s.house.Set("price", 99900)
		if err := app.Save(s.house); err != nil {
			t.Fatal(err)
		}
		if o, _ := app.FindRecordById("orders", "1"); o.GetInt("amount") != 20000 {
			t.Fatalf("amount changed with the price: %d", o.GetInt("amount"))
		}
		s.book(s.otherC, 10, 12).OK(t)
		if o, _ := app.FindRecordById("orders", "3"); o.GetInt("amount") != 3*99900 || o.GetInt("days") != 3 {
			t.Fatalf("order %v", o.FieldsData())
		}
	})

	t.Run("rejected and canceled orders free the dates", func(t *testing.T) {
		s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": 1, "reason": "装修"}).OK(t)
		s.book(s.otherC, 0, 1).OK(t)
		s.otherC.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": 4}).OK(t)
		s.book(s.guestC, 0, 1).OK(t)
	})

	t.Run("hidden house", func(t *testing.T) {
		s.house.Set("hidden", true)
		if err := app.Save(s.house); err != nil {
			t.Fatal(err)
		}
		s.book(s.guestC, 20, 22).Expect(t, http.StatusOK, "4002")
	})
}

func TestTodayIsInTheServerZone(t *testing.T) {
	s := newStage(t, nil)
	// 17:00 UTC on the 1st is already 01:00 on the 2nd in Shanghai
	s.app.Clock.Set(time.Date(2030, 3, 1, 17, 0, 0, 0, time.UTC))
	s.guestC = s.app.Login(apptest.Mobile(2)) // the first session expired on the way
	body := func(start string) map[string]any {
		return map[string]any{"house_id": s.house.Id, "start_date": start, "end_date": "2030-03-05"}
	}
	s.guestC.Post("/api/v1.0/orders", body("2030-03-01")).Expect(t, http.StatusOK, "4103")
	s.guestC.Post("/api/v1.0/orders", body("2030-03-02")).OK(t)
}

func TestLists(t *testing.T) {
	s := newStage(t, map[string]any{"title": "东城小院", "price": 5000})
	app := s.app
	other := app.CreateHouse(s.other, map[string]any{"title": "别人的房子"})
	s.book(s.guestC, 1, 2).OK(t)
	s.book(s.guestC, 5, 5).OK(t)
	s.guestC.Post("/api/v1.0/orders", map[string]any{"house_id": other.Id, "start_date": app.Today(1), "end_date": app.Today(1)}).OK(t)
	s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": 2, "reason": "不方便"}).OK(t)

	app.Client().Get("/api/v1.0/orders?role=custom").Expect(t, http.StatusOK, "4101")
	s.guestC.Get("/api/v1.0/orders").Expect(t, http.StatusOK, "4103")
	s.guestC.Get("/api/v1.0/orders?role=admin").Expect(t, http.StatusOK, "4103")

	type item struct {
		OrderId   int    `json:"order_id"`
		Title     string `json:"title"`
		ImgURL    string `json:"img_url"`
		StartDate string `json:"start_date"`
		EndDate   string `json:"end_date"`
		Ctime     string `json:"ctime"`
		Days      int    `json:"days"`
		Amount    int    `json:"amount"`
		Status    string `json:"status"`
		Comment   string `json:"comment"`
	}
	var mine struct{ Orders []item }
	r := s.guestC.Get("/api/v1.0/orders?role=custom").OK(t)
	r.Decode(t, &mine)
	if len(mine.Orders) != 3 || mine.Orders[0].OrderId != 3 || mine.Orders[2].OrderId != 1 {
		t.Fatalf("guest orders %+v", mine.Orders)
	}
	second := mine.Orders[1]
	if second.Title != "东城小院" || second.StartDate != app.Today(5) || second.Days != 1 || second.Amount != 5000 ||
		second.Status != "REJECTED" || second.Comment != "不方便" || len(second.Ctime) != 19 || second.ImgURL != "" {
		t.Fatalf("item %+v", second)
	}
	if !strings.Contains(string(r.Data), `"order_id":3,"title":"别人的房子","img_url":"","start_date"`) {
		t.Fatalf("key order or types: %s", r.Data)
	}

	var theirs struct{ Orders []item }
	s.landlordC.Get("/api/v1.0/orders?role=landlord").OK(t).Decode(t, &theirs)
	if len(theirs.Orders) != 2 || theirs.Orders[0].OrderId != 2 || theirs.Orders[1].OrderId != 1 {
		t.Fatalf("landlord orders %+v", theirs.Orders)
	}
	if r := s.landlordC.Get("/api/v1.0/orders?role=custom").OK(t); string(r.Data) != `{"orders":[],"total_page":0}` {
		t.Fatalf("landlord's own bookings %s", r.Data)
	}
}
