package search_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/apptest"
	"ihome/modules/search"
	"ihome/modules/seed"
)

// TestReconcileRepairsBypassingWrites: writes that bypass the record hooks
// (raw SQL, as a staff JS hook could run) leave the index stale until the
// reconciliation job finds the difference and reloads.
func TestReconcileRepairsBypassingWrites(t *testing.T) {
	app := apptest.New(t)
	owner, _ := landlord(t, app, 1)
	a := app.CreateHouse(owner, map[string]any{"price": 100, "area": "3"})
	b := app.CreateHouse(owner, map[string]any{"price": 200, "area": "3"})
	if _, err := search.Reconcile(app); err != nil {
		t.Fatal(err)
	}
	q := search.Query(3, "", "", "price-inc")
	if ids, _, _ := search.IndexSearch(app, q, 0, 10); !slices.Equal(ids, []int64{1, 2}) {
		t.Fatalf("before: %v", ids)
	}
	// raw SQL: the hooks never see it
	if _, err := app.DB().Update("houses", dbx.Params{"price": 300}, dbx.HashExp{"id": a.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if ids, _, _ := search.IndexSearch(app, q, 0, 10); !slices.Equal(ids, []int64{1, 2}) {
		t.Fatalf("the index saw a write that bypassed the hooks? %v", ids)
	}
	app.RunCron(search.ReconcileJobId)
	if ids, _, _ := search.IndexSearch(app, q, 0, 10); !slices.Equal(ids, []int64{2, 1}) {
		t.Fatalf("after reconciliation: %v, want the new price order", ids)
	}
	// an order inserted by raw SQL takes its dates after the next check
	if _, err := app.DB().Insert("orders", dbx.Params{"id": "900", "house": b.Id, "guest": owner.Id,
		"start_date": app.Today(3), "end_date": app.Today(4), "days": 2, "price": 200, "amount": 400,
		"status": "WAIT_ACCEPT", "comment": "", "created": "", "updated": ""}).Execute(); err != nil {
		t.Fatal(err)
	}
	app.RunCron(search.ReconcileJobId)
	dated := search.Query(3, app.Today(4), app.Today(4), "price-inc")
	if ids, _, _ := search.IndexSearch(app, dated, 0, 10); !slices.Equal(ids, []int64{1}) {
		t.Fatalf("after an order written by SQL: %v, want house 2 taken", ids)
	}
	if diff, err := search.Reconcile(app); err != nil || len(diff) > 0 {
		t.Fatalf("a consistent index still differs in %v (%v)", diff, err)
	}
}

// TestSeedLeavesAConsistentIndex: `ihome seed` writes in bulk, outside
// the record hooks; the index of the seeded city answers as SQL does.
func TestSeedLeavesAConsistentIndex(t *testing.T) {
	app := apptest.New(t)
	if err := seed.Run(app, seed.Options{Seed: 3, Users: 50, Houses: 400, Orders: 3000, Today: time.Now()}); err != nil {
		t.Fatal(err)
	}
	app.RunCron(search.ReconcileJobId)
	if diff, err := search.Reconcile(app); err != nil || len(diff) > 0 {
		t.Fatalf("after the seed and one check the index differs in %v (%v)", diff, err)
	}
	for aid := range int64(4) {
		for _, sk := range sorts {
			for _, w := range [][2]int{{0, 0}, {2, 5}, {10, 30}} {
				sd, ed := app.Today(w[0]), app.Today(w[1])
				q := search.Query(aid, sd, ed, sk)
				for _, offset := range []int{0, 10, 250} {
					want, wantTotal, err := search.SQLSearch(app, q, offset, 10)
					if err != nil {
						t.Fatal(err)
					}
					got, gotTotal, ok := search.IndexSearch(app, q, offset, 10)
					if !ok || !slices.Equal(got, want) || gotTotal != wantTotal {
						t.Fatalf("%s: index %v %d %v, SQL %v %d", fmt.Sprint(aid, sd, ed, sk, offset), got, gotTotal, ok, want, wantTotal)
					}
				}
			}
		}
	}
}
