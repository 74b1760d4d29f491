// Package house implements areas, facilities and houses (API.md §3):
// publishing, pictures, detail, home-page picks, my listings and search.
package house

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
	"ihome/modules/user"
)

// Collection and field names owned by this module.
const (
	Collection       = "houses"
	AreasCollection  = "areas"
	FacilCollection  = "facilities"
	FieldOwner       = "owner"
	FieldArea        = "area"
	FieldTitle       = "title"
	FieldPrice       = "price"
	FieldAddress     = "address"
	FieldRoomCount   = "room_count"
	FieldAcreage     = "acreage"
	FieldUnit        = "unit"
	FieldCapacity    = "capacity"
	FieldBeds        = "beds"
	FieldDeposit     = "deposit"
	FieldMinDays     = "min_days"
	FieldMaxDays     = "max_days"
	FieldFacilities  = "facilities"
	FieldImages      = "images"
	FieldOrderCount  = "order_count"
	FieldHidden      = "hidden"
	FieldName        = "name" // of areas and facilities
	OrdersCollection = "orders"
)

// Occupying lists the order statuses that hold a house's dates (API.md §3.7);
// rejected and canceled orders free them.
var Occupying = []string{"WAIT_ACCEPT", "WAIT_PAYMENT", "PAID", "WAIT_COMMENT", "COMPLETE"}

// OccupyingSQL is Occupying as an SQL list: 'WAIT_ACCEPT', … (constants, no user input).
func OccupyingSQL() string {
	return "'" + strings.Join(Occupying, "', '") + "'"
}

// Config holds the module's limits; zero values take the defaults of API.md.
type Config struct {
	PageSize     int   // search page size, 10
	ImageMaxSize int64 // bytes a picture, 10 MiB
	MaxImages    int   // pictures a house, 20
	IndexPicks   int   // houses on the home page, 5
	// Images checks picture uploads; shared with the user module so one
	// bound holds for all uploads (user.NewImages(2) when nil).
	Images   *user.Images
	Now      func() time.Time
	Location *time.Location
}

func (c Config) withDefaults() Config {
	if c.PageSize <= 0 {
		c.PageSize = 10
	}
	if c.ImageMaxSize <= 0 {
		c.ImageMaxSize = 10 << 20
	}
	if c.MaxImages <= 0 {
		c.MaxImages = 20
	}
	if c.IndexPicks <= 0 {
		c.IndexPicks = 5
	}
	if c.Images == nil {
		c.Images = user.NewImages(2)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

type module struct {
	cfg Config

	// cache holds what rarely changes and is read on every page: areas,
	// facilities, home picks, by the collection they come from; record
	// hooks drop an entry on any committed change of that collection.
	cacheMu sync.Mutex
	cache   map[string]any

	index   *availability
	rows    *keyedCache[listRow]     // search results' rows, by house id
	details *keyedCache[houseDetail] // detail pages, by house id
}

// Register binds the house routes, the search index and the cache hooks.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), cache: map[string]any{}, index: newAvailability(),
		rows: newKeyedCache[listRow](20000), details: newKeyedCache[houseDetail](10000)}
	m.index.bind(app)
	m.bindCaches(app)
	for _, name := range []string{AreasCollection, FacilCollection, Collection} {
		drop := &hook.Handler[*core.RecordEvent]{
			Id: "ihome.house.cache." + name,
			Func: func(e *core.RecordEvent) error {
				m.dropCached(name)
				return e.Next()
			},
		}
		app.OnRecordAfterCreateSuccess(name).Bind(drop)
		app.OnRecordAfterUpdateSuccess(name).Bind(drop)
		app.OnRecordAfterDeleteSuccess(name).Bind(drop)
	}
	// load the search index in the background once serving, so the
	// first search does not wait for it and start-up does not either
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.house.index.warm",
		Func: func(e *core.ServeEvent) error {
			go func() {
				if err := m.index.ready(e.App); err != nil {
					e.App.Logger().Warn("search index warm-up failed", "error", err)
				}
			}()
			return e.Next()
		},
	})
	m.routes(a)
	return nil
}

// cached returns the value cached for collection, loading it when absent.
// Loading under the lock means a drop cannot interleave with a stale load.
func cached[T any](m *module, collection string, load func() (T, error)) (T, error) {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	if v, ok := m.cache[collection].(T); ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		m.cache[collection] = v
	}
	return v, err
}

func (m *module) dropCached(collection string) {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	delete(m.cache, collection)
}
