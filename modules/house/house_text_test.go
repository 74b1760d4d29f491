package house_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

// TestPublishTextRule: API.md §1.7 on the free text of a house — title,
// address, unit, beds (issue 11, items 6 and 7).
func TestPublishTextRule(t *testing.T) {
	app := apptest.New(t)
	_, c := landlord(t, app, 1)
	refused := map[string]string{
		"right-to-left override": "海淀\u202e居两",
		"zero-width space":       "海淀\u200b两居",
		"byte order mark":        "\ufeff海淀两居",
		"soft hyphen":            "海淀\u00ad两居",
		"line separator":         "海淀\u2028两居",
		"newline":                "海淀\n两居",
		"control":                "海淀\x07两居",
		"Hangul filler":          "\u3164",
		"braille blank":          "\u2800\u2800",
		"halfwidth filler":       "\uffa0",
		"only white space":       "\u3000 \u3000",
	}
	limits := map[string]int{"title": 64, "address": 128, "unit": 32, "beds": 64}
	for field, max := range limits {
		cases := map[string]any{"a number": 12345, "a bool": true, "a list": []any{"x"}, "an object": map[string]any{}}
		for kind, s := range refused {
			cases[kind] = s
		}
		cases["too long once composed"] = strings.Repeat("e\u0301", max+1)
		for kind, v := range cases {
			t.Run(fmt.Sprintf("%s %s", field, kind), func(t *testing.T) {
				body := validHouse()
				body[field] = v
				r := c.Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4103")
				if r.Errmsg != "参数错误: "+field {
					t.Fatalf("errmsg %q does not name %s", r.Errmsg, field)
				}
			})
		}
	}
	if n := app.Count("SELECT count(*) FROM houses"); n != 0 {
		t.Fatalf("%d refused houses were saved", n)
	}

	t.Run("stored normalised and trimmed, counted in characters", func(t *testing.T) {
		body := validHouse()
		for field, max := range limits {
			body[field] = "\u3000" + strings.Repeat("e\u0301", max) + " "
		}
		var d struct {
			HouseId int64 `json:"house_id"`
		}
		c.Post("/api/v1.0/houses", body).OK(t).Decode(t, &d)
		h, err := app.FindRecordById("houses", fmt.Sprint(d.HouseId))
		if err != nil {
			t.Fatal(err)
		}
		for field, max := range limits {
			if got := h.GetString(field); got != strings.Repeat("é", max) {
				t.Errorf("%s stored as %q", field, got)
			}
		}
	})
}

// TestStaffHouseEditTextRule: a house's free text written by staff in the
// admin UI obeys the same rule (API.md §1.7): refused with the field named,
// else stored normalised; another field of a house whose title predates
// the rule can still be edited.
func TestStaffHouseEditTextRule(t *testing.T) {
	app := apptest.New(t)
	_, c := landlord(t, app, 1)
	var d struct {
		HouseId int64 `json:"house_id"`
	}
	c.Post("/api/v1.0/houses", validHouse()).OK(t).Decode(t, &d)
	id := fmt.Sprint(d.HouseId)
	_, staff := app.NewStaff()
	patch := func(body map[string]any) *apptest.Response {
		return staff.Do(http.MethodPatch, "/api/collections/houses/records/"+id, body)
	}
	for _, field := range []string{"title", "address", "unit", "beds"} {
		for _, v := range []string{"海淀\u202e居两", "\u3164", "海淀\n两居", strings.Repeat("长", 129)} {
			if r := patch(map[string]any{field: v}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+field+`"`) {
				t.Errorf("staff %s = %q: HTTP %d %s", field, v, r.Status, r.Body)
			}
		}
	}
	if r := patch(map[string]any{"title": "\u3000Cafe\u0301小院 "}); r.Status != http.StatusOK {
		t.Fatalf("staff title edit: HTTP %d %s", r.Status, r.Body)
	}
	h, err := app.FindRecordById("houses", id)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.GetString("title"); got != "Café小院" {
		t.Fatalf("title stored as %q, want the NFC form, trimmed", got)
	}
	if _, err := app.DB().NewQuery("UPDATE houses SET title = 'old\u200btitle' WHERE id = {:id}").Bind(map[string]any{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if r := patch(map[string]any{"beds": "双人床"}); r.Status != http.StatusOK {
		t.Fatalf("editing beds of a house with an old title: HTTP %d %s", r.Status, r.Body)
	}
}
