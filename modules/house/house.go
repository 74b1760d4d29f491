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
	Now          func() time.Time
	Location     *time.Location
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

	// catalog caches areas and facilities; record hooks drop it on any edit.
	catalogMu sync.Mutex
	catalog   map[string][]catalogItem

	// imageLocks serialise picture uploads per house (striped by id), so two
	// uploads cannot overwrite each other's list or pass the limit together.
	imageLocks [64]sync.Mutex
}

// Register binds the house routes and the catalog cache hooks.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), catalog: map[string][]catalogItem{}}
	for _, name := range []string{AreasCollection, FacilCollection} {
		drop := &hook.Handler[*core.RecordEvent]{
			Id: "ihome.house.catalog." + name,
			Func: func(e *core.RecordEvent) error {
				m.dropCatalog(name)
				return e.Next()
			},
		}
		app.OnRecordAfterCreateSuccess(name).Bind(drop)
		app.OnRecordAfterUpdateSuccess(name).Bind(drop)
		app.OnRecordAfterDeleteSuccess(name).Bind(drop)
	}
	m.routes(a)
	return nil
}
