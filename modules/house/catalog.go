package house

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/intid"
)

type catalogItem struct {
	Id   int64
	Name string
}

// GET /areas: [{"aid": 1, "aname": "东城区"}, …] by aid.
func (m *module) areas(e *core.RequestEvent) error {
	type area struct {
		Aid   int64  `json:"aid"`
		Aname string `json:"aname"`
	}
	items, err := m.loadCatalog(e.App, AreasCollection)
	if err != nil {
		return err
	}
	out := make([]area, len(items))
	for i, it := range items {
		out[i] = area{it.Id, it.Name}
	}
	return envelope.OK(e, out)
}

// GET /facilities: [{"fid": 1, "fname": "无线网络"}, …] by fid.
func (m *module) facilities(e *core.RequestEvent) error {
	type facility struct {
		Fid   int64  `json:"fid"`
		Fname string `json:"fname"`
	}
	items, err := m.loadCatalog(e.App, FacilCollection)
	if err != nil {
		return err
	}
	out := make([]facility, len(items))
	for i, it := range items {
		out[i] = facility{it.Id, it.Name}
	}
	return envelope.OK(e, out)
}

// loadCatalog returns the collection's rows ordered by id, cached.
func (m *module) loadCatalog(app core.App, collection string) ([]catalogItem, error) {
	return cached(m, collection, func() ([]catalogItem, error) {
		var rows []struct {
			Id   string `db:"id"`
			Name string `db:"name"`
		}
		err := app.DB().Select("id", "name").From(collection).OrderBy("CAST(id AS INTEGER)").All(&rows)
		if err != nil {
			return nil, err
		}
		items := make([]catalogItem, len(rows))
		for i, r := range rows {
			items[i] = catalogItem{Id: intid.Int(r.Id), Name: r.Name}
		}
		return items, nil
	})
}
