package search_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/house"
)

func TestDetail(t *testing.T) {
	app := apptest.New(t)
	owner, ownerClient := landlord(t, app, 1)
	h := app.CreateHouse(owner, map[string]any{"area": "4", "facilities": []string{"8", "3", "21"}, "max_days": 7, "order_count": 2})
	named := app.CreateUser(apptest.Mobile(3))
	named.Set("name", "小王")
	if err := app.Save(named); err != nil {
		t.Fatal(err)
	}
	unnamed := app.CreateUser(apptest.Mobile(4))
	for i := range 32 {
		guest := named
		if i == 31 {
			guest = unnamed
		}
		o := app.CreateOrder(h, guest, app.Today(-40+i), app.Today(-40+i), "COMPLETE")
		o.Set("comment", fmt.Sprintf("评价%d", i))
		if err := app.Save(o); err != nil {
			t.Fatal(err)
		}
	}
	app.CreateOrder(h, named, app.Today(5), app.Today(6), "WAIT_ACCEPT")

	var d struct {
		UserId int64                      `json:"user_id"`
		House  map[string]json.RawMessage `json:"house"`
	}
	guestView := app.Client().Get("/api/v1.0/houses/" + h.Id).OK(t)
	if !strings.HasPrefix(string(guestView.Data), `{"user_id":-1,"house":{"hid":`+h.Id+`,`) {
		t.Fatalf("key order: %.80s", guestView.Data)
	}
	guestView.Decode(t, &d)
	if d.UserId != -1 {
		t.Fatalf("viewer id %d, want -1", d.UserId)
	}
	want := map[string]string{
		"hid": h.Id, "user_id": owner.Id, "user_name": `"138****0001"`, "user_avatar": `""`,
		"title": `"测试房屋"`, "price": "10000", "address": `"测试路1号"`, "area_id": "4", "area_name": `"海淀区"`,
		"room_count": "2", "acreage": "60", "unit": `"两室一厅"`, "capacity": "3", "beds": `"双人床"`,
		"deposit": "50000", "min_days": "1", "max_days": "7", "order_count": "34", // 2 + the 32 completed stays
		"cancel_policy": `"flexible"`, "img_urls": "[]", "facilities": "[3,8,21]", // no policy saved: the default
	}
	for k, v := range want {
		if string(d.House[k]) != v {
			t.Errorf("%s = %s, want %s", k, d.House[k], v)
		}
	}
	if len(d.House) != len(want)+1 {
		t.Errorf("fields %d, want %d", len(d.House), len(want)+1)
	}
	var comments []struct {
		UserName string `json:"user_name"`
		Comment  string `json:"comment"`
		Ctime    string `json:"ctime"`
	}
	if err := json.Unmarshal(d.House["comments"], &comments); err != nil {
		t.Fatal(err)
	}
	if len(comments) != 30 || comments[0].Comment != "评价31" || comments[0].UserName != "138****0004" ||
		comments[1].UserName != "小王" || comments[29].Comment != "评价2" || len(comments[0].Ctime) != 19 {
		t.Fatalf("comments %+v", comments)
	}
	if strings.Contains(string(guestView.Body), "13800000") {
		t.Fatalf("a mobile leaks: %s", guestView.Body)
	}

	ownerClient.Get("/api/v1.0/houses/"+h.Id).OK(t).Decode(t, &d)
	if fmt.Sprint(d.UserId) != owner.Id {
		t.Fatalf("viewer id %d", d.UserId)
	}

	app.Client().Get("/api/v1.0/houses/999").Expect(t, http.StatusOK, "4002")
	app.Client().Get("/api/v1.0/houses/abc").Expect(t, http.StatusOK, "4002")

	t.Run("hidden by staff", func(t *testing.T) {
		h.Set("hidden", true)
		if err := app.Save(h); err != nil {
			t.Fatal(err)
		}
		app.Client().Get("/api/v1.0/houses/"+h.Id).Expect(t, http.StatusOK, "4002")
		ownerClient.Get("/api/v1.0/houses/" + h.Id).OK(t)
		var page searchPage
		app.Client().Get("/api/v1.0/houses").OK(t).Decode(t, &page)
		if page.TotalPage != 0 {
			t.Fatalf("hidden house searchable: %+v", page)
		}
	})
}

func TestIndexPicksAndMyHouses(t *testing.T) {
	app := apptest.New(t)
	owner, c := landlord(t, app, 1)
	other, _ := landlord(t, app, 2)
	counts := []int{3, 0, 7, 7, 1, 5, 2}
	for i, n := range counts {
		who := owner
		if i >= 5 {
			who = other
		}
		h := app.CreateHouse(who, map[string]any{"order_count": n})
		index := fmt.Sprintf("/api/files/houses/%s/pic%d.png", h.Id, i)
		if i == 1 {
			index = "" // no picture: never a pick, however booked
			h.Set("order_count", 100)
			if err := app.Save(h); err != nil {
				t.Fatal(err)
			}
		}
		// an index picture without files: set the column as stored
		if _, err := app.DB().Update("houses", dbx.Params{house.FieldIndexImage: index}, dbx.HashExp{"id": h.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}

	r := app.Client().Get("/api/v1.0/houses/index").OK(t)
	want := `[{"house_id":4,"title":"测试房屋","img_url":"/api/files/houses/4/pic3.png"},` +
		`{"house_id":3,"title":"测试房屋","img_url":"/api/files/houses/3/pic2.png"},` +
		`{"house_id":6,"title":"测试房屋","img_url":"/api/files/houses/6/pic5.png"},` +
		`{"house_id":1,"title":"测试房屋","img_url":"/api/files/houses/1/pic0.png"},` +
		`{"house_id":7,"title":"测试房屋","img_url":"/api/files/houses/7/pic6.png"}]`
	if string(r.Data) != want {
		t.Fatalf("picks %s\nwant  %s", r.Data, want)
	}

	// the picks are cached, and a committed house change drops them
	h7, _ := app.FindRecordById("houses", "7")
	h7.Set("order_count", 50)
	if err := app.Save(h7); err != nil {
		t.Fatal(err)
	}
	if r := app.Client().Get("/api/v1.0/houses/index").OK(t); !strings.HasPrefix(string(r.Data), `[{"house_id":7,`) {
		t.Fatalf("picks after an edit: %s", r.Data)
	}

	app.Client().Get("/api/v1.0/user/houses").Expect(t, http.StatusOK, "4101")
	var mine struct {
		Houses []struct {
			HouseId int    `json:"house_id"`
			ImgURL  string `json:"img_url"`
		} `json:"houses"`
	}
	c.Get("/api/v1.0/user/houses").OK(t).Decode(t, &mine)
	if fmt.Sprint(mine.Houses) != "[{5 /api/files/houses/5/pic4.png} {4 /api/files/houses/4/pic3.png} {3 /api/files/houses/3/pic2.png} {2 } {1 /api/files/houses/1/pic0.png}]" {
		t.Fatalf("my houses %v", mine.Houses)
	}
	_, nobody := app.NewUser(9)
	if r := nobody.Get("/api/v1.0/user/houses").OK(t); string(r.Data) != `{"houses":[],"total_page":0}` {
		t.Fatalf("empty list %s", r.Data)
	}
}

// TestMyHousesPages: API.md §1.7: 50 a page (configurable), total_page,
// no p is page 1, a page past the end is empty.
func TestMyHousesPages(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Search.ListPageSize = 2 }))
	owner, c := landlord(t, app, 1)
	for range 5 {
		app.CreateHouse(owner, nil)
	}
	type page struct {
		Houses []struct {
			HouseId int `json:"house_id"`
		} `json:"houses"`
		TotalPage int `json:"total_page"`
	}
	for _, tc := range []struct {
		p    string
		want string
	}{
		{"", "[{5} {4}] 3"}, {"?p=1", "[{5} {4}] 3"}, {"?p=2", "[{3} {2}] 3"}, {"?p=3", "[{1}] 3"},
		{"?p=4", "[] 3"}, {"?p=0", "[{5} {4}] 3"}, {"?p=x", "[{5} {4}] 3"}, {"?p=99999999999999999999", "[{5} {4}] 3"},
	} {
		var got page
		c.Get("/api/v1.0/user/houses"+tc.p).OK(t).Decode(t, &got)
		if s := fmt.Sprint(got.Houses, " ", got.TotalPage); s != tc.want {
			t.Errorf("p%s: %s, want %s", tc.p, s, tc.want)
		}
	}
}
