package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/logger"

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

func newStage(t *testing.T, houseFields map[string]any, opts ...apptest.Option) *stage {
	t.Helper()
	app := apptest.New(t, opts...)
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

// tally counts answers by errno; an answer that is not HTTP 200 counts
// under "HTTP <status>".
func tally(rs []*apptest.Response) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		if r.Status != http.StatusOK {
			m[fmt.Sprintf("HTTP %d", r.Status)]++
			continue
		}
		m[r.Errno]++
	}
	return m
}

// staffClient is a new superuser's client (apptest.NewStaff).
func staffClient(t *testing.T, app *apptest.App) *apptest.Client {
	t.Helper()
	_, c := app.NewStaff()
	return c
}

// refused fails t unless r is the record API's validation error (HTTP 400)
// with a message on field, as the admin UI shows it beside the field.
func refused(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	var data map[string]struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if r.Status != http.StatusBadRequest || json.Unmarshal(r.Data, &data) != nil || data[field].Message == "" {
		t.Fatalf("want HTTP 400 with an error on %s, got HTTP %d: %s", field, r.Status, r.Body)
	}
}

// keepLogs turns on the _logs table, which PocketBase's test apps leave
// off, for the entries logged from now on.
func keepLogs(app *apptest.App) {
	app.Settings().Logs.MaxDays = 5
}

// logs writes out the app's buffered log entries and returns those with
// message msg (PocketBase batches them into the _logs table; keepLogs
// first).
func logs(t *testing.T, app *apptest.App, msg string) []*core.Log {
	t.Helper()
	h, ok := app.Logger().Handler().(*logger.BatchHandler)
	if !ok {
		t.Fatalf("logger handler %T", app.Logger().Handler())
	}
	if err := h.WriteAll(context.WithValue(context.Background(), logger.BlockKey, true)); err != nil {
		t.Fatal(err)
	}
	var out []*core.Log
	if err := app.LogQuery().AndWhere(dbx.HashExp{"message": msg}).All(&out); err != nil {
		t.Fatal(err)
	}
	return out
}
