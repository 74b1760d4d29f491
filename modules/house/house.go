// Package house is the write side of houses (API.md §3): areas and
// facilities, publishing and pictures, and the lookup other modules use
// (FindVisible). What is read across houses, orders and users (search,
// detail, lists) lives in modules/search.
package house

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
	"ihome/internal/media"
	"ihome/internal/text"
)

// Collection and field names owned by this module.
const (
	Collection      = "houses"
	AreasCollection = "areas"
	FacilCollection = "facilities"
	FieldOwner      = "owner"
	FieldArea       = "area"
	FieldTitle      = "title"
	FieldPrice      = "price"
	FieldAddress    = "address"
	FieldRoomCount  = "room_count"
	FieldAcreage    = "acreage"
	FieldUnit       = "unit"
	FieldCapacity   = "capacity"
	FieldBeds       = "beds"
	FieldDeposit    = "deposit"
	FieldMinDays    = "min_days"
	FieldMaxDays    = "max_days"
	FieldFacilities = "facilities"
	FieldOrderCount = "order_count"
	FieldHidden     = "hidden"
	FieldName       = "name" // of areas and facilities
	// FieldCancelPolicy is one of CancelPolicies; empty (houses saved by
	// Go code or staff without one) reads as CancelFlexible (API.md §6.4).
	FieldCancelPolicy = "cancel_policy"
)

// The longest free texts of a house, in characters (API.md §3.3).
const (
	maxTitleLength   = 64
	maxAddressLength = 128
	maxUnitLength    = 32
	maxBedsLength    = 64
)

// Cancellation policies (API.md §3.3, §6.4); the refunds they give are the
// payment module's.
const (
	CancelFlexible = "flexible"
	CancelModerate = "moderate"
	CancelStrict   = "strict"
)

// CancelPolicies lists the policies a house may have; the first is the default.
var CancelPolicies = []string{CancelFlexible, CancelModerate, CancelStrict}

// CancelPolicy is h's cancellation policy, CancelFlexible when unset.
func CancelPolicy(h *core.Record) string {
	if p := h.GetString(FieldCancelPolicy); p != "" {
		return p
	}
	return CancelFlexible
}

// Config holds the module's limits; zero values take the defaults of API.md.
type Config struct {
	ImageMaxSize int64 // bytes a picture, 10 MiB
	MaxImages    int   // pictures a house, 20
	// Images decodes picture uploads; shared with the user module so one
	// bound holds for all uploads (media.New with defaults when nil).
	Images   *media.Intake
	Now      func() time.Time
	Location *time.Location
}

func (c Config) withDefaults() Config {
	if c.ImageMaxSize <= 0 {
		c.ImageMaxSize = 10 << 20
	}
	if c.MaxImages <= 0 {
		c.MaxImages = DefaultMaxImages
	}
	if c.Images == nil {
		c.Images = media.New(media.Config{})
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

	// cache holds what rarely changes and is read on every page: areas
	// and facilities, by the collection they come from; record hooks drop
	// an entry on any committed change of that collection.
	cacheMu sync.Mutex
	cache   map[string]any
}

// Register binds the house routes and the catalog cache hooks.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), cache: map[string]any{}}
	for _, name := range []string{AreasCollection, FacilCollection} {
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
	bindImageHooks(app)
	// every writer, staff in the admin UI included (API.md §1.7)
	text.BindRecordRule(app, Collection, text.Field{Name: FieldTitle, Min: 1, Max: maxTitleLength},
		text.Field{Name: FieldAddress, Min: 1, Max: maxAddressLength},
		text.Field{Name: FieldUnit, Min: 1, Max: maxUnitLength}, text.Field{Name: FieldBeds, Min: 1, Max: maxBedsLength})
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
