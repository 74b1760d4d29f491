package house_test

import (
	"testing"

	"ihome/internal/apptest"
)

// TestPublishStayBounds (API.md §1.7): min_days and max_days are at most
// 366, the longest stay a booking may have.
func TestPublishStayBounds(t *testing.T) {
	app := apptest.New(t)
	_, c := landlord(t, app, 1)
	for _, b := range []struct {
		min, max int
		field    string
	}{
		{367, 0, "min_days"},
		{1, 367, "max_days"},
		{3650, 3650, "min_days"},
	} {
		body := validHouse()
		body["min_days"], body["max_days"] = b.min, b.max
		r := c.Post("/api/v1.0/houses", body)
		if r.Errno != "4103" || r.Errmsg != "参数错误: "+b.field {
			t.Errorf("min_days %d max_days %d: %s, want 4103 naming %s", b.min, b.max, r.Body, b.field)
		}
	}
	body := validHouse()
	body["min_days"], body["max_days"] = 366, 366
	c.Post("/api/v1.0/houses", body).OK(t)
}
