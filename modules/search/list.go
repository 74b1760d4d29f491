package search

import (
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/user"
)

// listItem is a house in a list (API.md §3.2).
type listItem struct {
	HouseId    int64  `json:"house_id"`
	Title      string `json:"title"`
	Price      int64  `json:"price"`
	AreaName   string `json:"area_name"`
	Address    string `json:"address"`
	RoomCount  int64  `json:"room_count"`
	OrderCount int64  `json:"order_count"`
	Ctime      string `json:"ctime"`
	ImgURL     string `json:"img_url"`
	UserAvatar string `json:"user_avatar"`
}

// listRow is what listQuery selects.
type listRow struct {
	Id          string `db:"id"`
	Title       string `db:"title"`
	Price       int64  `db:"price"`
	AreaName    string `db:"area_name"`
	Address     string `db:"address"`
	RoomCount   int64  `db:"room_count"`
	OrderCount  int64  `db:"order_count"`
	Created     string `db:"created"`
	FirstImage  string `db:"first_image"`
	OwnerId     string `db:"owner_id"`
	OwnerAvatar string `db:"owner_avatar"`
}

// listQuery selects list rows of houses h, with their area a and owner u.
func listQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select(
		"h.id", "h."+house.FieldTitle+" AS title", "h."+house.FieldPrice+" AS price", "a."+house.FieldName+" AS area_name",
		"h."+house.FieldAddress+" AS address", "h."+house.FieldRoomCount+" AS room_count",
		"h."+house.FieldOrderCount+" AS order_count", "h.created",
		"h."+house.FieldIndexImage+" AS first_image",
		"u.id AS owner_id", "u."+user.FieldAvatar+" AS owner_avatar",
	).From(house.Collection+" h").
		InnerJoin(house.AreasCollection+" a", dbx.NewExp("a.id = h."+house.FieldArea)).
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = h."+house.FieldOwner))
}

func (m *module) toItems(rows []listRow) []listItem {
	items := make([]listItem, len(rows))
	for i, r := range rows {
		items[i] = listItem{
			HouseId:    intid.Int(r.Id),
			Title:      r.Title,
			Price:      r.Price,
			AreaName:   r.AreaName,
			Address:    r.Address,
			RoomCount:  r.RoomCount,
			OrderCount: r.OrderCount,
			Ctime:      stay.LocalTime(r.Created, m.cfg.Location, stay.Layout),
			ImgURL:     r.FirstImage, // a URL already
			UserAvatar: user.FileURL(user.Collection, r.OwnerId, r.OwnerAvatar),
		}
	}
	return items
}

// GET /user/houses?p=: the logged-in landlord's houses, newest first, 50 a
// page (API.md §3.2, §1.7). data: {houses: [item], total_page}.
func (m *module) myHouses(e *core.RequestEvent) error {
	owner := dbx.HashExp{"h." + house.FieldOwner: session.User(e).Id}
	var total int
	if err := e.App.DB().Select("COUNT(*)").From(house.Collection + " h").Where(owner).Row(&total); err != nil {
		return err
	}
	var rows []listRow
	err := listQuery(e.App).Where(owner).
		OrderBy("h.created DESC", "CAST(h.id AS INTEGER) DESC").
		Offset(int64(params.Offset(params.Page(e.Request.URL.Query()), m.cfg.ListPageSize))).Limit(int64(m.cfg.ListPageSize)).All(&rows)
	if err != nil {
		return err
	}
	return envelope.OK(e, struct {
		Houses    []listItem `json:"houses"`
		TotalPage int64      `json:"total_page"`
	}{m.toItems(rows), params.Pages(total, m.cfg.ListPageSize)})
}

type searchResult struct {
	Houses      []listItem `json:"houses"`
	TotalPage   int64      `json:"total_page"`
	CurrentPage int64      `json:"current_page"`
}

// GET /houses?aid=&sd=&ed=&sk=&p=: search (API.md §3.7). 4103 names a bad
// aid, sd, ed or sk.
func (m *module) search(e *core.RequestEvent) error {
	q, err := m.parseQuery(e)
	if err != nil {
		return err
	}
	p := params.Page(e.Request.URL.Query())
	size := m.cfg.PageSize
	ids, total, ok := m.index.search(q, params.Offset(p, size), size)
	if !ok { // still loading, or dropped after a failed refresh
		if ids, total, err = sqlSearch(e.App, q, params.Offset(p, size), size); err != nil {
			return err
		}
	}
	rows, err := m.rowsById(e.App, ids)
	if err != nil {
		return err
	}
	return envelope.OK(e, searchResult{Houses: m.toItems(rows), TotalPage: params.Pages(total, size), CurrentPage: p})
}

// parseQuery validates aid, sd, ed and sk: sd alone is a one-day stay, ed
// alone starts today, sd after ed is 4103 ed.
func (m *module) parseQuery(e *core.RequestEvent) (query, error) {
	v := e.Request.URL.Query()
	var q query
	if aid := strings.TrimSpace(v.Get("aid")); aid != "" {
		if q.area = intid.Int(aid); q.area < 1 {
			return q, errno.Param("aid")
		}
	}
	sd, ed := strings.TrimSpace(v.Get("sd")), strings.TrimSpace(v.Get("ed"))
	if sd != "" || ed != "" {
		var ok bool
		if sd == "" {
			q.window.Start = stay.Today(m.cfg.Now(), m.cfg.Location)
		} else if q.window.Start, ok = stay.Parse(sd); !ok {
			return q, errno.Param("sd")
		}
		if ed == "" {
			q.window.End = q.window.Start
		} else if q.window.End, ok = stay.Parse(ed); !ok || q.window.End < q.window.Start {
			return q, errno.Param("ed")
		}
		q.dated = true
	}
	sk := v.Get("sk")
	if sk == "" {
		sk = "new"
	}
	s, ok := sortKeys[sk]
	if !ok {
		return q, errno.Param("sk")
	}
	q.sort = s
	return q, nil
}

// rowsById returns the list rows of ids, in the order of ids, from the
// row cache; the missing ones are read in one query.
func (m *module) rowsById(app core.App, ids []int64) ([]listRow, error) {
	rows := make([]listRow, 0, len(ids))
	var missing []any
	var gen uint64
	for _, id := range ids {
		r, ok, g := m.rows.peek(intid.String(id))
		if ok {
			rows = append(rows, r)
		} else {
			missing, gen = append(missing, intid.String(id)), g
		}
	}
	if len(missing) == 0 {
		return rows, nil
	}
	var fresh []listRow
	if err := listQuery(app).Where(dbx.In("h.id", missing...)).All(&fresh); err != nil {
		return nil, err
	}
	for _, r := range fresh {
		m.rows.put(r.Id, r, gen)
		rows = append(rows, r)
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[intid.String(id)] = i
	}
	slices.SortFunc(rows, func(a, b listRow) int { return pos[a.Id] - pos[b.Id] })
	return rows, nil
}

// pick is a house on the home page.
type pick struct {
	HouseId int64  `json:"house_id"`
	Title   string `json:"title"`
	ImgURL  string `json:"img_url"`
}

// GET /houses/index: the home page picks (API.md §3.6): visible houses
// with a picture, most booked first, then newest. Kept until a house changes.
func (m *module) indexPicks(e *core.RequestEvent) error {
	m.picksMu.Lock()
	defer m.picksMu.Unlock()
	if m.picks == nil {
		var rows []listRow
		err := listQuery(e.App).
			Where(dbx.NewExp("h."+house.FieldHidden+" = FALSE AND h."+house.FieldIndexImage+" != ''")).
			OrderBy("h."+house.FieldOrderCount+" DESC", "h.created DESC", "CAST(h.id AS INTEGER) DESC").
			Limit(int64(m.cfg.IndexPicks)).All(&rows)
		if err != nil {
			return err
		}
		picks := make([]pick, len(rows))
		for i, it := range m.toItems(rows) {
			picks[i] = pick{it.HouseId, it.Title, it.ImgURL}
		}
		m.picks = picks
	}
	return envelope.OK(e, m.picks)
}

func (m *module) dropPicks() {
	m.picksMu.Lock()
	defer m.picksMu.Unlock()
	m.picks = nil
}
