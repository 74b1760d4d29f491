package notify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"ihome/modules/order"
)

type listData struct {
	Notifications []struct {
		Id      int64  `json:"id"`
		Kind    string `json:"kind"`
		OrderId int64  `json:"order_id"`
		Text    string `json:"text"`
		Ctime   string `json:"ctime"`
		Read    bool   `json:"read"`
	} `json:"notifications"`
	Unread    int `json:"unread"`
	TotalPage int `json:"total_page"`
}

// TestNotificationsList: API.md §8.3: the exact shape, newest first, 20
// a page, the unread count, login required.
func TestNotificationsList(t *testing.T) {
	s := newStage(t)
	s.app.Client().Get("/api/v1.0/notifications").Expect(t, http.StatusOK, "4101")
	if r := s.landlordC.Get("/api/v1.0/notifications").OK(t); string(r.Data) != `{"notifications":[],"unread":0,"total_page":0}` {
		t.Fatalf("empty: %s", r.Data)
	}

	id := orderId(t, s.book(s.guestC, 3, 4).OK(t))
	r := s.landlordC.Get("/api/v1.0/notifications").OK(t)
	var raw struct {
		Notifications []map[string]json.RawMessage `json:"notifications"`
	}
	r.Decode(t, &raw)
	if len(raw.Notifications) != 1 || len(raw.Notifications[0]) != 6 {
		t.Fatalf("shape: %s", r.Data)
	}
	var d listData
	r.Decode(t, &d)
	n := d.Notifications[0]
	if n.Id != 1 || n.Kind != "order_new" || fmt.Sprint(n.OrderId) != id || n.Read || d.Unread != 1 || d.TotalPage != 1 ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(n.Ctime) {
		t.Fatalf("item: %s", r.Data)
	}
	// nobody else sees it
	if r := s.otherC.Get("/api/v1.0/notifications").OK(t); string(r.Data) != `{"notifications":[],"unread":0,"total_page":0}` {
		t.Fatalf("another user: %s", r.Data)
	}

	// 24 more: two pages, newest first
	for i := range 24 {
		day := s.app.Today(10 + 2*i)
		s.app.CreateOrder(s.house, s.other, day, day, order.WaitAccept)
	}
	page := func(q string) listData {
		var d listData
		s.landlordC.Get("/api/v1.0/notifications"+q).OK(t).Decode(t, &d)
		return d
	}
	p1, p2, p3 := page(""), page("?p=2"), page("?p=3")
	if len(p1.Notifications) != 20 || len(p2.Notifications) != 5 || len(p3.Notifications) != 0 ||
		p1.TotalPage != 2 || p3.TotalPage != 2 || p1.Unread != 25 {
		t.Fatalf("pages %d %d %d, total %d, unread %d", len(p1.Notifications), len(p2.Notifications), len(p3.Notifications), p1.TotalPage, p1.Unread)
	}
	if p1.Notifications[0].Id != 25 || p2.Notifications[4].Id != 1 {
		t.Fatalf("not newest first: %d … %d", p1.Notifications[0].Id, p2.Notifications[4].Id)
	}
	// as the other lists: not a positive int64 is page 1 (search, my houses)
	for _, q := range []string{"?p=abc", "?p=0", "?p=-3", "?p=99999999999999999999"} {
		if d := page(q); len(d.Notifications) != 20 || d.Notifications[0].Id != 25 {
			t.Fatalf("%s is not page 1", q)
		}
	}
	if d := page("?p=9223372036854775807"); len(d.Notifications) != 0 {
		t.Fatal("a huge page is not empty")
	}
}

// TestMarkRead: ids or all; others' ids are ignored; bad input is 4103
// naming the field.
func TestMarkRead(t *testing.T) {
	s := newStage(t)
	for i := range 3 {
		s.book(s.guestC, 3+2*i, 3+2*i).OK(t)
	}
	s.guestC.Put("/api/v1.0/notifications/read", map[string]any{"all": true}).OK(t) // the guest has none: changes nothing
	put := func(body any) int {
		var d struct {
			Unread int `json:"unread"`
		}
		s.landlordC.Put("/api/v1.0/notifications/read", body).OK(t).Decode(t, &d)
		return d.Unread
	}
	if u := put(map[string]any{"ids": []any{1, "2"}}); u != 1 {
		t.Fatalf("unread %d after marking 2 of 3", u)
	}
	var d listData
	s.landlordC.Get("/api/v1.0/notifications").OK(t).Decode(t, &d)
	if !d.Notifications[1].Read || !d.Notifications[2].Read || d.Notifications[0].Read || d.Unread != 1 {
		t.Fatalf("read flags %+v", d)
	}
	// another user cannot mark the landlord's
	s.guestC.Put("/api/v1.0/notifications/read", map[string]any{"ids": []any{3}}).OK(t)
	if u := put(map[string]any{"ids": []any{99}}); u != 1 {
		t.Fatalf("unread %d: another user's request marked it", u)
	}
	if u := put(map[string]any{"all": true}); u != 0 {
		t.Fatalf("unread %d after all", u)
	}
	for body, field := range map[string]string{
		`{}`: "ids", `{"ids":[]}`: "ids", `{"ids":"x"}`: "ids", `{"ids":[0]}`: "ids", `{"ids":[1.5]}`: "ids",
		`{"all":"maybe"}`: "all", `{"all":false}`: "ids",
	} {
		var v map[string]any
		_ = json.Unmarshal([]byte(body), &v)
		r := s.landlordC.Malformed().Put("/api/v1.0/notifications/read", v).Expect(t, http.StatusOK, "4103")
		if r.Errmsg != "参数错误: "+field {
			t.Fatalf("%s: %s", body, r.Errmsg)
		}
	}
	s.app.Client().Put("/api/v1.0/notifications/read", map[string]any{"all": true}).Expect(t, http.StatusOK, "4101")
}

// TestGenericRecordAPIClosed: notifications and the outbox are staff-only
// in PocketBase's record API (API.md §5).
func TestGenericRecordAPIClosed(t *testing.T) {
	s := newStage(t)
	s.book(s.guestC, 3, 4).OK(t)
	for _, col := range []string{"notifications", "notify_outbox"} {
		for _, who := range []string{"anonymous", "landlord"} {
			c := s.app.Client()
			if who == "landlord" {
				c = s.landlordC
			}
			r := c.Get("/api/collections/" + col + "/records")
			if r.Status == http.StatusOK && !regexp.MustCompile(`"items":\[\]`).Match(r.Body) {
				t.Fatalf("%s listed %s: %s", who, col, r.Body)
			}
		}
	}
}
