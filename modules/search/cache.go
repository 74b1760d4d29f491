package search

import (
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/modules/house"
	"ihome/modules/order"
	"ihome/modules/user"
)

// keyedCache keeps values by house id, at most max of them (an arbitrary
// one goes when full). A load runs outside the lock; a generation counter
// keeps a load that raced with a drop from storing what it read.
type keyedCache[V any] struct {
	mu   sync.Mutex
	max  int
	gen  uint64
	vals map[string]V
}

func newKeyedCache[V any](max int) *keyedCache[V] {
	return &keyedCache[V]{max: max, vals: make(map[string]V)}
}

// get returns the value of id, loading and keeping it when absent.
func (c *keyedCache[V]) get(id string, load func() (V, error)) (V, error) {
	v, ok, gen := c.peek(id)
	if ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		c.put(id, v, gen)
	}
	return v, err
}

// peek returns the value of id if kept, and the generation a later put of
// a value loaded now must name.
func (c *keyedCache[V]) peek(id string) (V, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vals[id]
	return v, ok, c.gen
}

// put keeps v unless something was dropped since generation gen.
func (c *keyedCache[V]) put(id string, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.vals) >= c.max {
		for k := range c.vals {
			delete(c.vals, k)
			break
		}
	}
	c.vals[id] = v
}

func (c *keyedCache[V]) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.vals, id)
}

func (c *keyedCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.vals)
}

// bindCaches drops what a committed write makes stale, and only that: a
// house's own row and detail; the detail of a house whose review or
// pictures changed;
// the rows and details that show a user (their houses, the houses they
// reviewed); everything when an area is renamed (staff, rare). The home
// page picks go with any house change. Bookings drop nothing: rows and
// details do not show availability.
func (m *module) bindCaches(app core.App) {
	dropHouse := func(e *core.RecordEvent) error {
		m.rows.drop(e.Record.Id)
		m.details.drop(e.Record.Id)
		m.dropPicks()
		return e.Next()
	}
	dropReviewed := func(e *core.RecordEvent) error {
		if e.Record.GetString(order.FieldStatus) == order.Complete || e.Record.Original().GetString(order.FieldStatus) == order.Complete {
			m.details.drop(e.Record.GetString(order.FieldHouse))
		}
		return e.Next()
	}
	dropUser := func(e *core.RecordEvent) error {
		if err := m.dropShownUser(e.App, e.Record.Id); err != nil {
			e.App.Logger().Error("search caches: clearing after a failed read", "error", err)
			m.rows.clear()
			m.details.clear()
		}
		m.dropPicks()
		return e.Next()
	}
	dropPictured := func(e *core.RecordEvent) error {
		m.details.drop(e.Record.GetString(house.FieldImageHouse)) // img_urls
		return e.Next()
	}
	clearAll := func(e *core.RecordEvent) error {
		m.rows.clear()
		m.details.clear()
		m.dropPicks()
		return e.Next()
	}
	for _, b := range []struct {
		collection string
		id         string
		f          func(*core.RecordEvent) error
	}{
		{house.Collection, "ihome.search.cache.house", dropHouse},
		{order.Collection, "ihome.search.cache.order", dropReviewed},
		{user.Collection, "ihome.search.cache.user", dropUser},
		{house.AreasCollection, "ihome.search.cache.area", clearAll},
		{house.ImagesCollection, "ihome.search.cache.images", dropPictured},
	} {
		h := &hook.Handler[*core.RecordEvent]{Id: b.id, Func: b.f}
		app.OnRecordAfterCreateSuccess(b.collection).Bind(h)
		app.OnRecordAfterUpdateSuccess(b.collection).Bind(h)
		app.OnRecordAfterDeleteSuccess(b.collection).Bind(h)
	}
}

// dropShownUser drops the rows and details that show user id: their own
// houses (owner avatar and name) and the houses they reviewed.
func (m *module) dropShownUser(app core.App, id string) error {
	var owned, reviewed []string
	if err := app.DB().Select("id").From(house.Collection).Where(dbx.HashExp{house.FieldOwner: id}).Column(&owned); err != nil {
		return err
	}
	err := app.DB().Select("DISTINCT " + order.FieldHouse).From(order.Collection).
		Where(dbx.HashExp{order.FieldGuest: id, order.FieldStatus: order.Complete}).Column(&reviewed)
	if err != nil {
		return err
	}
	for _, h := range owned {
		m.rows.drop(h)
		m.details.drop(h)
	}
	for _, h := range reviewed {
		m.details.drop(h)
	}
	return nil
}
