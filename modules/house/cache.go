package house

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
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

// bindCaches drops cached list rows and details when what they show
// changes: the house itself, its reviews (completed orders), any user
// (owner avatars, reviewer names) or any area (names).
func (m *module) bindCaches(app core.App) {
	dropHouse := func(e *core.RecordEvent) error {
		m.rows.drop(e.Record.Id)
		m.details.drop(e.Record.Id)
		return e.Next()
	}
	dropReviewed := func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "COMPLETE" || e.Record.Original().GetString("status") == "COMPLETE" {
			m.details.drop(e.Record.GetString("house"))
		}
		return e.Next()
	}
	clearAll := func(e *core.RecordEvent) error {
		m.rows.clear()
		m.details.clear()
		return e.Next()
	}
	for _, b := range []struct {
		collection string
		id         string
		f          func(*core.RecordEvent) error
	}{
		{Collection, "ihome.house.rows.house", dropHouse},
		{OrdersCollection, "ihome.house.rows.order", dropReviewed},
		{"users", "ihome.house.rows.user", clearAll},
		{AreasCollection, "ihome.house.rows.area", clearAll},
	} {
		h := &hook.Handler[*core.RecordEvent]{Id: b.id, Func: b.f}
		app.OnRecordAfterCreateSuccess(b.collection).Bind(h)
		app.OnRecordAfterUpdateSuccess(b.collection).Bind(h)
		app.OnRecordAfterDeleteSuccess(b.collection).Bind(h)
	}
}
