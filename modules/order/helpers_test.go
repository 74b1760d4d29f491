package order_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
)

// stage is a landlord with one house (price 100 yuan) and two guests.
type stage struct {
	app            *apptest.App
	house          *core.Record
	landlord       *core.Record
	landlordC      *apptest.Client
	guest, other   *core.Record
	guestC, otherC *apptest.Client
}

func newStage(t *testing.T, houseFields map[string]any) *stage {
	t.Helper()
	app := apptest.New(t)
	s := &stage{app: app}
	s.landlord, s.landlordC = app.NewUser(1)
	app.Verify(s.landlord, 1)
	s.guest, s.guestC = app.NewUser(2)
	s.other, s.otherC = app.NewUser(3)
	s.house = app.CreateHouse(s.landlord, houseFields)
	return s
}

func (s *stage) book(c *apptest.Client, start, end int) *apptest.Response {
	return c.Post("/api/v1.0/orders", map[string]any{
		"house_id": s.house.Id, "start_date": s.app.Today(start), "end_date": s.app.Today(end),
	})
}

func (s *stage) status(t *testing.T, orderId any) string {
	t.Helper()
	o, err := s.app.FindRecordById("orders", fmt.Sprint(orderId))
	if err != nil {
		t.Fatal(err)
	}
	return o.GetString("status")
}

// overlaps counts pairs of occupying orders of one house whose stays overlap.
func overlaps(app *apptest.App) int {
	return app.Count(`SELECT count(*) FROM orders a JOIN orders b
		ON a.house = b.house AND CAST(a.id AS INTEGER) < CAST(b.id AS INTEGER)
		AND a.start_date <= b.end_date AND b.start_date <= a.end_date
		WHERE a.status IN ('WAIT_ACCEPT','WAIT_PAYMENT','PAID','WAIT_COMMENT','COMPLETE')
		AND b.status IN ('WAIT_ACCEPT','WAIT_PAYMENT','PAID','WAIT_COMMENT','COMPLETE')`)
}
