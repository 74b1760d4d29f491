package search_test

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"ihome/internal/apptest"
)

type fixtureHouse struct {
	id, area, price, orderCount int
	hidden                      bool
	orders                      [][2]string // occupying stays
}

type searchPage struct {
	Houses []struct {
		HouseId int `json:"house_id"`
	} `json:"houses"`
	TotalPage   int `json:"total_page"`
	CurrentPage int `json:"current_page"`
}

// searchFixture makes 36 houses in areas 1–3 (one hidden) with orders in
// every status around a window 10–12 days from today.
func searchFixture(t *testing.T, app *apptest.App) []*fixtureHouse {
	owner, _ := landlord(t, app, 1)
	guest := app.CreateUser(apptest.Mobile(2))
	var houses []*fixtureHouse
	for i := range 36 {
		fh := &fixtureHouse{area: i%3 + 1, price: (i*37%11 + 1) * 1000, orderCount: i % 4, hidden: i == 35}
		rec := app.CreateHouse(owner, map[string]any{
			"area": strconv.Itoa(fh.area), "price": fh.price, "order_count": fh.orderCount, "hidden": fh.hidden,
			"images": []string{}, "title": fmt.Sprintf("房屋%d", i),
		})
		fh.id, _ = strconv.Atoi(rec.Id)
		houses = append(houses, fh)
	}
	d := app.Today
	orders := []struct {
		house      int
		start, end string
		status     string
	}{
		{1, d(9), d(10), "WAIT_ACCEPT"},
		{2, d(12), d(14), "WAIT_PAYMENT"},
		{3, d(5), d(20), "PAID"},
		{4, d(11), d(11), "WAIT_COMMENT"},
		{5, d(10), d(12), "COMPLETE"},
		{6, d(10), d(12), "REJECTED"},
		{7, d(10), d(12), "CANCELED"},
		{8, d(13), d(15), "WAIT_ACCEPT"},
		{9, d(5), d(9), "WAIT_ACCEPT"},
		{10, d(0), d(0), "WAIT_ACCEPT"},
	}
	for _, o := range orders {
		fh := houses[o.house-1]
		rec, err := app.FindRecordById("houses", strconv.Itoa(fh.id))
		if err != nil {
			t.Fatal(err)
		}
		app.CreateOrder(rec, guest, o.start, o.end, o.status)
		if o.status != "REJECTED" && o.status != "CANCELED" {
			fh.orders = append(fh.orders, [2]string{o.start, o.end})
		}
		if o.status == "COMPLETE" { // a completed stay counts as a booking (API.md §4.4)
			fh.orderCount++
		}
	}
	return houses
}

// expected computes a search's answer from the fixture, independently of SQL.
func expected(houses []*fixtureHouse, aid int, start, end, sk string) []int {
	var out []*fixtureHouse
	for _, h := range houses {
		if h.hidden || (aid != 0 && h.area != aid) {
			continue
		}
		free := true
		for _, o := range h.orders {
			if start != "" && o[0] <= end && start <= o[1] {
				free = false
			}
		}
		if free {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b *fixtureHouse) int {
		var c int
		switch sk {
		case "booking":
			c = cmp.Compare(b.orderCount, a.orderCount)
		case "price-inc":
			c = cmp.Compare(a.price, b.price)
		case "price-des":
			c = cmp.Compare(b.price, a.price)
		}
		return cmp.Or(c, cmp.Compare(b.id, a.id))
	})
	ids := make([]int, len(out))
	for i, h := range out {
		ids[i] = h.id
	}
	return ids
}

// allPages walks every page of a search and checks the paging fields.
func allPages(t *testing.T, c *apptest.Client, query string) []int {
	t.Helper()
	var ids []int
	for p := 1; ; p++ {
		var page searchPage
		c.Get(fmt.Sprintf("/api/v1.0/houses?%s&p=%d", query, p)).OK(t).Decode(t, &page)
		if page.CurrentPage != p {
			t.Fatalf("%s p=%d: current_page %d", query, p, page.CurrentPage)
		}
		if p > page.TotalPage {
			if len(page.Houses) != 0 {
				t.Fatalf("%s p=%d beyond %d pages: %d houses", query, p, page.TotalPage, len(page.Houses))
			}
			return ids
		}
		if len(page.Houses) == 0 || len(page.Houses) > 10 || (p < page.TotalPage && len(page.Houses) != 10) {
			t.Fatalf("%s p=%d: %d houses of %d pages", query, p, len(page.Houses), page.TotalPage)
		}
		for _, h := range page.Houses {
			ids = append(ids, h.HouseId)
		}
	}
}

func TestSearch(t *testing.T) {
	app := apptest.New(t)
	houses := searchFixture(t, app)
	c := app.Client()
	d := app.Today

	cases := []struct {
		name       string
		query      string
		aid        int
		start, end string
		sk         string
	}{
		{"default is newest", "x=1", 0, "", "", "new"},
		{"new", "sk=new", 0, "", "", "new"},
		{"booking", "sk=booking", 0, "", "", "booking"},
		{"price-inc", "sk=price-inc", 0, "", "", "price-inc"},
		{"price-des", "sk=price-des", 0, "", "", "price-des"},
		{"area", "aid=2&sk=booking", 2, "", "", "booking"},
		{"window", "sd=" + d(10) + "&ed=" + d(12) + "&sk=price-inc", 0, d(10), d(12), "price-inc"},
		{"window and area", "aid=1&sd=" + d(10) + "&ed=" + d(12), 1, d(10), d(12), "new"},
		{"sd alone is one day", "sd=" + d(11), 0, d(11), d(11), "new"},
		{"ed alone starts today", "ed=" + d(1) + "&sk=price-des", 0, d(0), d(1), "price-des"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := expected(houses, tc.aid, tc.start, tc.end, tc.sk)
			got := allPages(t, c, tc.query)
			if !slices.Equal(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
		})
	}

	t.Run("exclusion is by occupying status only", func(t *testing.T) {
		got := allPages(t, c, "sd="+d(10)+"&ed="+d(12))
		for _, h := range []int{1, 2, 3, 4, 5} {
			if slices.Contains(got, houses[h-1].id) {
				t.Errorf("house %d with an overlapping occupying order listed", h)
			}
		}
		for _, h := range []int{6, 7, 8, 9, 10} {
			if !slices.Contains(got, houses[h-1].id) {
				t.Errorf("free house %d missing", h)
			}
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for q, field := range map[string]string{
			"sd=" + d(5) + "&ed=" + d(4): "ed",
			"sd=2026-02-30":              "sd",
			"ed=tomorrow":                "ed",
			"sk=cheap":                   "sk",
			"aid=abc":                    "aid",
		} {
			r := c.Get("/api/v1.0/houses?"+q).Expect(t, http.StatusOK, "4103")
			if r.Errmsg != "参数错误: "+field {
				t.Errorf("%s: errmsg %q", q, r.Errmsg)
			}
		}
	})

	t.Run("bad page means page 1", func(t *testing.T) {
		for _, p := range []string{"abc", "-1", "0", "1.5"} {
			var page searchPage
			c.Get("/api/v1.0/houses?p="+p).OK(t).Decode(t, &page)
			if page.CurrentPage != 1 || len(page.Houses) != 10 || page.TotalPage != 4 {
				t.Errorf("p=%s: %+v", p, page)
			}
		}
	})

	t.Run("no match", func(t *testing.T) {
		r := c.Get("/api/v1.0/houses?aid=14").OK(t)
		if string(r.Data) != `{"houses":[],"total_page":0,"current_page":1}` {
			t.Fatalf("data %s", r.Data)
		}
	})
}

func TestListItemShape(t *testing.T) {
	app := apptest.New(t)
	owner, c := landlord(t, app, 1)
	app.CreateHouse(owner, map[string]any{"area": "3", "title": "朝阳一居", "price": 28800, "address": "建国路"})
	var page struct {
		Houses []map[string]any `json:"houses"`
	}
	c.Get("/api/v1.0/houses").OK(t).Decode(t, &page)
	if len(page.Houses) != 1 {
		t.Fatalf("houses %v", page.Houses)
	}
	want := map[string]any{
		"house_id": float64(1), "title": "朝阳一居", "price": float64(28800), "area_name": "朝阳区",
		"address": "建国路", "room_count": float64(2), "order_count": float64(0),
		"ctime": app.Today(0), "img_url": "", "user_avatar": "",
	}
	if fmt.Sprint(page.Houses[0]) != fmt.Sprint(want) {
		t.Fatalf("item %v\nwant %v", page.Houses[0], want)
	}
}
