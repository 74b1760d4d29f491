// Package search is the read side of houses (API.md §3.2, §3.5–§3.7): the
// availability index and search, the detail page with its reviews, the
// home page picks and a landlord's listings. It sits above house and order
// (DESIGN.md §2) and follows their committed writes through record hooks;
// it writes nothing.
package search

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
)

// Config holds the module's limits; zero values take the defaults of API.md.
type Config struct {
	PageSize     int // search page size, 10 (§3.7)
	ListPageSize int // my listings page size, 50 (§1.7)
	IndexPicks   int // houses on the home page, 5 (§3.6)
	Now          func() time.Time
	Location     *time.Location
}

func (c Config) withDefaults() Config {
	if c.PageSize <= 0 {
		c.PageSize = 10
	}
	if c.ListPageSize <= 0 {
		c.ListPageSize = 50
	}
	if c.IndexPicks <= 0 {
		c.IndexPicks = 5
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// ReconcileJobId names the cron job that checks the index against the tables.
const ReconcileJobId = "ihome.search.reconcile"

// storeKey names the module in app.Store().
const storeKey = "ihome.search"

type module struct {
	cfg     Config
	index   *index
	rows    *keyedCache[listRow]     // list rows, by house id
	details *keyedCache[houseDetail] // detail pages, by house id

	picksMu sync.Mutex
	picks   []pick // nil: not loaded
}

// Register binds the read routes, the index and the cache hooks. The index
// loads in the background once the server starts; searches meanwhile are
// answered from SQL.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), index: &index{},
		rows: newKeyedCache[listRow](20000), details: newKeyedCache[houseDetail](10000)}
	app.Store().Set(storeKey, m) // the tests' handle (export_test.go)
	m.index.bind(app)
	m.bindCaches(app)
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.search.warm",
		Func: func(e *core.ServeEvent) error {
			go func() {
				start := time.Now()
				if err := m.index.load(e.App); err != nil {
					e.App.Logger().Error("search index load failed; searching from SQL", "error", err)
					return
				}
				e.App.Logger().Debug("search index loaded", "took", time.Since(start).String())
				debug.FreeOSMemory() // the load's garbage (a string per row read) goes back to the OS
			}()
			return e.Next()
		},
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id: "ihome.search.stop",
		Func: func(e *core.TerminateEvent) error {
			m.index.stop() // a SIGTERM during the warm-up waits for it, then the DBs close
			return e.Next()
		},
	})
	m.routes(a)
	// every 10 minutes: the grouped sums read every order (about 1 s of
	// CPU at a million orders, measured with make bench-scale)
	return app.Cron().Add(ReconcileJobId, "*/10 * * * *", func() {
		diff, err := m.index.reconcile(app)
		if err != nil {
			app.Logger().Error("search index reconciliation failed", "error", err)
		} else if len(diff) > 0 {
			app.Logger().Warn("search index differed from the tables (a write bypassed the record hooks); reloaded", "areas", diff)
		}
	})
}
