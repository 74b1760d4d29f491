package house_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

// TestPublishCancelPolicy: cancel_policy is optional at publish (flexible
// by default), one of flexible, moderate, strict, else 4103 naming it; the
// detail shows it (API.md §3.3, §3.5, §6.4).
func TestPublishCancelPolicy(t *testing.T) {
	app := apptest.New(t)
	_, c := landlord(t, app, 1)
	publish := func(policy any) *apptest.Response {
		body := validHouse()
		if policy != nil {
			body["cancel_policy"] = policy
		}
		return c.Post("/api/v1.0/houses", body)
	}
	detail := func(r *apptest.Response) string {
		t.Helper()
		var d struct {
			HouseId int64 `json:"house_id"`
		}
		r.OK(t).Decode(t, &d)
		var h struct {
			House struct {
				CancelPolicy string `json:"cancel_policy"`
			} `json:"house"`
		}
		app.Client().Get(fmt.Sprintf("/api/v1.0/houses/%d", d.HouseId)).OK(t).Decode(t, &h)
		return h.House.CancelPolicy
	}
	if got := detail(publish(nil)); got != "flexible" {
		t.Fatalf("no policy given: %q", got)
	}
	for _, p := range []string{"flexible", "moderate", "strict"} {
		if got := detail(publish(p)); got != p {
			t.Fatalf("published %s, detail shows %q", p, got)
		}
	}
	for _, bad := range []any{"lenient", "STRICT", 1, []string{"strict"}} {
		body := validHouse()
		body["cancel_policy"] = bad
		r := c.Malformed().Post("/api/v1.0/houses", body).Expect(t, http.StatusOK, "4103")
		if !strings.Contains(r.Errmsg, "cancel_policy") {
			t.Errorf("%v: errmsg %q does not name cancel_policy", bad, r.Errmsg)
		}
	}
}
