package house_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihome/internal/apptest"
	"ihome/modules/house"
)

func TestParseYuan(t *testing.T) {
	ok := map[string]int64{"0.29": 29, "199.5": 19950, "1": 100, "0": 0, "1000000": 100000000, "12.34": 1234, " 7 ": 700}
	for in, want := range ok {
		if got, good := house.ParseYuan(in); !good || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, good, want)
		}
	}
	for _, in := range []any{"1e3", "-1", "+1", "1.234", ".5", "5.", "01", "0x10", "", "abc", "1 000", nil, true, 3.5} {
		if _, good := house.ParseYuan(in); good {
			t.Errorf("ParseYuan(%#v) accepted", in)
		}
	}
}

func TestPublish(t *testing.T) {
	app := apptest.New(t)
	owner, c := landlord(t, app, 1)

	app.Client().Post("/api/v1.0/houses", validHouse()).Expect(t, http.StatusOK, "4101")
	_, unverified := app.NewUser(2)
	unverified.Post("/api/v1.0/houses", validHouse()).Expect(t, http.StatusOK, "4105")

	r := c.Post("/api/v1.0/houses", validHouse()).OK(t)
	var created struct {
		HouseId int64 `json:"house_id"`
	}
	r.Decode(t, &created)
	if string(r.Data) != fmt.Sprintf(`{"house_id":%d}`, created.HouseId) || created.HouseId != 1 {
		t.Fatalf("data %s", r.Data)
	}
	h, err := app.FindRecordById("houses", "1")
	if err != nil {
		t.Fatal(err)
	}
	if h.GetInt("price") != 19950 || h.GetInt("deposit") != 50000 || h.GetString("owner") != owner.Id ||
		h.GetString("area") != "4" || strings.Join(h.GetStringSlice("facilities"), ",") != "1,3,23" ||
		h.GetInt("max_days") != 30 || h.GetString("title") != "海淀两居" {
		t.Fatalf("stored %v", h.FieldsData())
	}

	t.Run("exact yuan", func(t *testing.T) {
		body := validHouse()
		body["price"] = "0.29"
		body["deposit"] = 0
		c.Post("/api/v1.0/houses", body).OK(t)
		h, _ := app.FindRecordById("houses", "2")
		if h.GetInt("price") != 29 || h.GetInt("deposit") != 0 {
			t.Fatalf("price %d deposit %d", h.GetInt("price"), h.GetInt("deposit"))
		}
	})

	t.Run("form body with repeated facility", func(t *testing.T) {
		form := url.Values{}
		for k, v := range validHouse() {
			if k != "facility" {
				form.Set(k, fmt.Sprint(v))
			}
		}
		form.Add("facility", "2")
		form.Add("facility", "5")
		r := c.Post("/api/v1.0/houses", form).OK(t)
		var d struct {
			HouseId int64 `json:"house_id"`
		}
		r.Decode(t, &d)
		h, _ := app.FindRecordById("houses", fmt.Sprint(d.HouseId))
		if strings.Join(h.GetStringSlice("facilities"), ",") != "2,5" {
			t.Fatalf("facilities %v", h.GetStringSlice("facilities"))
		}
	})

	t.Run("facility may be omitted", func(t *testing.T) {
		body := validHouse()
		delete(body, "facility")
		c.Post("/api/v1.0/houses", body).OK(t)
	})

	bad := []struct {
		field string
		value any
	}{
		{"title", ""}, {"title", strings.Repeat("房", 65)}, {"title", nil},
		{"price", "1e3"}, {"price", "-1"}, {"price", "0"}, {"price", "1000000.01"}, {"price", "1.999"}, {"price", 12.345},
		{"area_id", "x"}, {"area_id", 0},
		{"address", strings.Repeat("路", 129)},
		{"room_count", 0}, {"room_count", 101}, {"room_count", "2.5"},
		{"acreage", 0}, {"acreage", 100001},
		{"unit", ""}, {"capacity", 0}, {"capacity", 101}, {"beds", strings.Repeat("床", 65)},
		{"deposit", "-0.01"}, {"deposit", "abc"},
		{"min_days", 0}, {"max_days", -1},
		{"facility", []any{"x"}}, {"facility", "a"},
	}
	for _, b := range bad {
		t.Run(fmt.Sprintf("4103 %s=%v", b.field, b.value), func(t *testing.T) {
			body := validHouse()
			if b.value == nil {
				delete(body, b.field)
			} else {
				body[b.field] = b.value
			}
			r := c.Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4103")
			if !strings.Contains(r.Errmsg, b.field) {
				t.Fatalf("errmsg %q does not name %s", r.Errmsg, b.field)
			}
		})
	}

	t.Run("max_days below min_days", func(t *testing.T) {
		body := validHouse()
		body["min_days"], body["max_days"] = 5, 3
		r := c.Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4103")
		if !strings.Contains(r.Errmsg, "max_days") {
			t.Fatalf("errmsg %q", r.Errmsg)
		}
	})

	t.Run("unknown area or facility", func(t *testing.T) {
		before := app.Count("SELECT count(*) FROM houses")
		body := validHouse()
		body["area_id"] = 99
		c.Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4004")
		body = validHouse()
		body["facility"] = []int{1, 999}
		c.Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4004")
		if after := app.Count("SELECT count(*) FROM houses"); after != before {
			t.Fatalf("a refused house was saved: %d → %d", before, after)
		}
	})
}
