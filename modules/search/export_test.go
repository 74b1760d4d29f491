package search

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/stay"
)

// Query builds a search for the tests; sd and ed are YYYY-MM-DD or "".
func Query(aid int64, sd, ed, sk string) any {
	q := query{area: aid, sort: sortKeys[sk]}
	if sd != "" {
		q.dated = true
		q.window.Start, _ = stay.Parse(sd)
		q.window.End, _ = stay.Parse(ed)
	}
	return q
}

// IndexSearch answers q from the index; ok is false while it is not loaded.
func IndexSearch(app core.App, q any, offset, limit int) ([]int64, int, bool) {
	return app.Store().Get(storeKey).(*module).index.search(q.(query), offset, limit)
}

// SQLSearch answers q from the tables (the reference).
func SQLSearch(app core.App, q any, offset, limit int) ([]int64, int, error) {
	return sqlSearch(app, q.(query), offset, limit)
}

// Reconcile runs the reconciliation now and returns the areas that differed.
func Reconcile(app core.App) ([]int64, error) {
	return app.Store().Get(storeKey).(*module).index.reconcile(app)
}

// Reload reads the whole index again, as at start (the bulk path).
func Reload(app core.App) error {
	return app.Store().Get(storeKey).(*module).index.load(app)
}
