package house

import (
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/session"
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
		"h.id", "h.title", "h.price", "a.name AS area_name", "h.address", "h.room_count",
		"h.order_count", "h.created", "COALESCE(json_extract(h.images, '$[0]'), '') AS first_image",
		"u.id AS owner_id", "u.avatar AS owner_avatar",
	).From(Collection+" h").
		InnerJoin(AreasCollection+" a", dbx.NewExp("a.id = h.area")).
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = h.owner"))
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
			Ctime:      m.localTime(r.Created, "2006-01-02"),
			ImgURL:     user.FileURL(Collection, r.Id, r.FirstImage),
			UserAvatar: user.FileURL(user.Collection, r.OwnerId, r.OwnerAvatar),
		}
	}
	return items
}

// localTime formats a stored UTC datetime in the server time zone.
func (m *module) localTime(stored, layout string) string {
	return LocalTime(stored, m.cfg.Location, layout)
}

// LocalTime formats a datetime as PocketBase stores it (UTC) in loc, ""
// when there is none.
func LocalTime(stored string, loc *time.Location, layout string) string {
	dt, err := types.ParseDateTime(stored)
	if err != nil || dt.IsZero() {
		return ""
	}
	return dt.Time().In(loc).Format(layout)
}

// GET /user/houses: the logged-in landlord's houses, newest first.
func (m *module) myHouses(e *core.RequestEvent) error {
	var rows []listRow
	err := listQuery(e.App).Where(dbx.HashExp{"h.owner": session.User(e).Id}).
		OrderBy("h.created DESC", "CAST(h.id AS INTEGER) DESC").All(&rows)
	if err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	return envelope.OK(e, map[string]any{"houses": m.toItems(rows)})
}

// pick is a house on the home page.
type pick struct {
	HouseId int64  `json:"house_id"`
	Title   string `json:"title"`
	ImgURL  string `json:"img_url"`
}

// GET /houses/index: the home page picks: houses with a picture, most
// booked first, then newest. Cached until a house changes.
func (m *module) indexPicks(e *core.RequestEvent) error {
	picks, err := cached(m, Collection, func() ([]pick, error) {
		var rows []listRow
		err := listQuery(e.App).
			Where(dbx.NewExp("h.hidden = FALSE AND json_array_length(h.images) > 0")).
			OrderBy("h.order_count DESC", "h.created DESC", "CAST(h.id AS INTEGER) DESC").
			Limit(int64(m.cfg.IndexPicks)).All(&rows)
		if err != nil {
			return nil, err
		}
		out := make([]pick, len(rows))
		for i, it := range m.toItems(rows) {
			out[i] = pick{it.HouseId, it.Title, it.ImgURL}
		}
		return out, nil
	})
	if err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	return envelope.OK(e, picks)
}

type searchResult struct {
	Houses      []listItem `json:"houses"`
	TotalPage   int64      `json:"total_page"`
	CurrentPage int64      `json:"current_page"`
}

// GET /houses?aid=&sd=&ed=&sk=&p=: search, on the availability index.
func (m *module) search(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	var sq query
	if aid := strings.TrimSpace(q.Get("aid")); aid != "" {
		if sq.area = intid.Int(aid); sq.area < 1 {
			return errno.Param("aid")
		}
	}
	start, end, err := m.stayWindow(q.Get("sd"), q.Get("ed"))
	if err != nil {
		return err
	}
	if start != "" {
		sq.dated = true
		sq.start, _ = dayNumber(start) // stayWindow checked both
		sq.end, _ = dayNumber(end)
	}
	sq.sort = q.Get("sk")
	if sq.sort == "" {
		sq.sort = "new"
	}
	if _, ok := sortOrders[sq.sort]; !ok {
		return errno.Param("sk")
	}
	page := int64(1)
	if p := intid.Int(q.Get("p")); p > 0 {
		page = p
	}

	size := int64(m.cfg.PageSize)
	// 2^40 pages is past any last page, and the product cannot overflow
	ids, total, err := m.index.search(e.App, sq, int(min(page-1, 1<<40)*size), int(size))
	if err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	rows, err := m.rowsById(e.App, ids)
	if err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	return envelope.OK(e, searchResult{
		Houses:      m.toItems(rows),
		TotalPage:   (int64(total) + size - 1) / size,
		CurrentPage: page,
	})
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

// stayWindow turns sd/ed into an inclusive [start, end] window ("" when no
// date filter): sd alone is a one-day stay, ed alone starts today.
func (m *module) stayWindow(sd, ed string) (string, string, error) {
	sd, ed = strings.TrimSpace(sd), strings.TrimSpace(ed)
	if sd == "" && ed == "" {
		return "", "", nil
	}
	if sd != "" && !ValidDate(sd) {
		return "", "", errno.Param("sd")
	}
	if ed != "" && !ValidDate(ed) {
		return "", "", errno.Param("ed")
	}
	if sd == "" {
		sd = m.cfg.Now().In(m.cfg.Location).Format(DateLayout)
	}
	if ed == "" {
		ed = sd
	}
	if sd > ed {
		return "", "", errno.Param("ed")
	}
	return sd, ed, nil
}

// DateLayout is the API's calendar date format.
const DateLayout = "2006-01-02"

// ValidDate reports whether s is a real calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Format(DateLayout) == s
}
