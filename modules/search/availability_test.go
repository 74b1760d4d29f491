package search_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/apptest"
)

// TestSearchFollowsWrites: once the index is loaded, every kind of write
// shows in the next search.
func TestSearchFollowsWrites(t *testing.T) {
	app := apptest.New(t)
	owner, landlordC := landlord(t, app, 1)
	_, guestC := app.NewUser(2)
	a := app.CreateHouse(owner, map[string]any{"price": 30000})
	b := app.CreateHouse(owner, map[string]any{"price": 20000})
	window := fmt.Sprintf("sd=%s&ed=%s", app.Today(3), app.Today(4))
	search := func(q string) []int { return allPages(t, app.Client(), q) }
	ids := func(hs ...int) []int { return hs }
	check := func(step, q string, want []int) {
		t.Helper()
		if got := search(q); !slices.Equal(got, want) {
			t.Fatalf("%s: %s → %v, want %v", step, q, got, want)
		}
	}
	check("loaded", window, ids(2, 1))

	guestC.Post("/api/v1.0/orders", map[string]any{"house_id": a.Id, "start_date": app.Today(4), "end_date": app.Today(5)}).OK(t)
	check("booked", window, ids(2))
	check("other dates", fmt.Sprintf("sd=%s", app.Today(6)), ids(2, 1))

	landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": 1, "reason": "满了"}).OK(t)
	check("rejected", window, ids(2, 1))

	guestC.Post("/api/v1.0/orders", map[string]any{"house_id": b.Id, "start_date": app.Today(0), "end_date": app.Today(3)}).OK(t)
	check("booked b", window, ids(1))
	guestC.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": 2}).OK(t)
	check("canceled", window, ids(2, 1))

	// staff edits in the admin UI: price, a new house, hiding, deleting
	b.Set("price", 90000)
	if err := app.Save(b); err != nil {
		t.Fatal(err)
	}
	check("price edit", "sk=price-inc", ids(1, 2))
	if r := app.Client().Get("/api/v1.0/houses?sk=price-inc").OK(t); !strings.Contains(string(r.Data), `"house_id":2,"title":"测试房屋","price":90000`) {
		t.Fatalf("the cached row kept the old price: %s", r.Data)
	}
	c := app.CreateHouse(owner, map[string]any{"price": 100, "area": "7"})
	check("new house", "sk=price-inc", ids(3, 1, 2))
	check("new house area", "aid=7", ids(3))
	c.Set("hidden", true)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	check("hidden", "sk=price-inc", ids(1, 2))
	if err := app.Delete(c); err != nil {
		t.Fatal(err)
	}
	check("deleted", "x=1", ids(2, 1))

	staffOrder := app.CreateOrder(a, app.CreateUser(apptest.Mobile(5)), app.Today(2), app.Today(3), "PAID")
	check("staff order", window, ids(2))
	staffOrder.Set("start_date", app.Today(1))
	staffOrder.Set("end_date", app.Today(2))
	if err := app.Save(staffOrder); err != nil {
		t.Fatal(err)
	}
	check("staff moved the order", window, ids(2, 1))
	if err := app.Delete(staffOrder); err != nil {
		t.Fatal(err)
	}
	check("staff deleted the order", "sd="+app.Today(1), ids(2, 1))

	// the expiry job frees dates like any cancel
	guestC.Post("/api/v1.0/orders", map[string]any{"house_id": a.Id, "start_date": app.Today(0), "end_date": app.Today(9)}).OK(t)
	check("long stay", window, ids(2))
	app.Clock.Advance(24 * time.Hour)
	app.RunCron("ihome.order.expire")
	check("expired", window, ids(2, 1))
}

// TestConcurrentSearchDuringHouseSaves: a house save between a search's
// readiness check and its read must not give (and memoize) an empty page.
func TestConcurrentSearchDuringHouseSaves(t *testing.T) {
	app := apptest.New(t)
	owner, _ := landlord(t, app, 1)
	h := app.CreateHouse(owner, map[string]any{"price": 100})
	app.CreateHouse(owner, map[string]any{"price": 200, "area": "2"})
	c := app.Client()
	// count runs on the workers: it reports a bad answer as -1 (counted as
	// wrong) instead of failing the test from a goroutine
	count := func(q string) int {
		var d struct {
			Houses []any `json:"houses"`
		}
		r := c.Get("/api/v1.0/houses?" + q)
		if r.Status != http.StatusOK || r.Errno != "0" || json.Unmarshal(r.Data, &d) != nil {
			return -1
		}
		return len(d.Houses)
	}
	var wrong atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w%2 == 0 && count("sk=price-inc") != 2 || w%2 == 1 && count("aid=2") != 1 {
					wrong.Add(1)
				}
			}
		}()
	}
	for range 500 {
		if err := app.Save(h); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := wrong.Load(); n > 0 {
		t.Fatalf("%d searches answered wrongly while houses were saved", n)
	}
}

// TestIndexHooksOutOfOrder: the after-commit hooks of two saves of one
// house run in the opposite order of their commits; the index must end
// with the later commit.
func TestIndexHooksOutOfOrder(t *testing.T) {
	app := apptest.New(t)
	owner, _ := landlord(t, app, 1)
	h := app.CreateHouse(owner, map[string]any{"price": 100})
	app.CreateHouse(owner, map[string]any{"price": 200, "order_count": 1})
	c := app.Client()
	c.Get("/api/v1.0/houses").OK(t) // load the index
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	app.OnRecordAfterUpdateSuccess("houses").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -1000,
		Func: func(e *core.RecordEvent) error {
			first := false
			once.Do(func() { first = true })
			if first { // the scheduler pauses the first write after its commit
				close(entered)
				<-release
			}
			return e.Next()
		},
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, _ := app.FindRecordById("houses", h.Id)
		r.Set("order_count", 1)
		_ = app.Save(r)
	}()
	<-entered
	r, _ := app.FindRecordById("houses", h.Id)
	r.Set("order_count", 2)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	if got := allPages(t, c, "sk=booking"); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("booking order %v: the index kept an older order_count", got)
	}
}
