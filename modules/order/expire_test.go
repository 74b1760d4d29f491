package order_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// TestExpirySkipsAnOrderItCannotSave: one late order that cannot be saved
// (a hook refuses it, as a broken staff hook or a full disk would) is
// logged and skipped; the job cancels the others, in this run and the
// next ones.
func TestExpirySkipsAnOrderItCannotSave(t *testing.T) {
	s := newStage(t, nil)
	app := s.app
	keepLogs(app)
	stuck := app.CreateOrder(s.house, s.guest, app.Today(-3), app.Today(-3), "WAIT_ACCEPT") // the first the job meets
	late := []*core.Record{
		app.CreateOrder(s.house, s.guest, app.Today(-2), app.Today(-2), "WAIT_ACCEPT"),
		app.CreateOrder(s.house, s.other, app.Today(-1), app.Today(1), "WAIT_ACCEPT"),
	}
	app.OnRecordUpdate("orders").Bind(&hook.Handler[*core.RecordEvent]{
		Id: "test.refuse-one",
		Func: func(e *core.RecordEvent) error {
			if e.Record.Id == stuck.Id {
				return errors.New("refused by the test")
			}
			return e.Next()
		},
	})

	app.RunCron("ihome.order.expire")
	for _, o := range late {
		if got := s.status(t, o.Id); got != "CANCELED" {
			t.Errorf("late order %s: %s, want CANCELED", o.Id, got)
		}
	}
	if got := s.status(t, stuck.Id); got != "WAIT_ACCEPT" {
		t.Fatalf("the unsaveable order: %s", got)
	}
	entries := logs(t, app, "order expiry: cannot cancel an order")
	if len(entries) != 1 || entries[0].Data["order_id"] != stuck.Id || entries[0].Data["error"] == nil {
		t.Fatalf("log entries %+v, want one naming order %s and its error", entries, stuck.Id)
	}

	// the next run tries it again, and still goes on past it
	later := app.CreateOrder(s.house, s.other, app.Today(-1), app.Today(-1), "WAIT_ACCEPT")
	app.RunCron("ihome.order.expire")
	if got := s.status(t, later.Id); got != "CANCELED" {
		t.Fatalf("an order late after the first run: %s", got)
	}
	if n := len(logs(t, app, "order expiry: cannot cancel an order")); n != 2 {
		t.Fatalf("%d log entries after two runs, want 2", n)
	}
}
