package calendar

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
)

// maxFeeds is how many imports a house may have (API.md §7.4).
const maxFeeds = 5

// feedItem is an import as the owner sees it.
type feedItem struct {
	Id        string `json:"id"`
	URL       string `json:"url"`
	LastSync  string `json:"last_sync"` // YYYY-MM-DD HH:MM:SS in the server zone, "" before the first
	LastError string `json:"last_error"`
	// Conflicts are the imported ranges that fell on days a booking holds
	// at the last sync: kept as blocks, shown so the host can settle them
	// with the other platform (API.md §7.4).
	Conflicts []conflict `json:"conflicts"`
}

// conflict is an imported range over a booking, first and last day inclusive.
type conflict struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

// ownHouse is the house of the path, for its owner only (4002, 4105).
func ownHouse(e *core.RequestEvent) (*core.Record, error) {
	me := session.User(e)
	h, err := house.FindVisible(e.App, e.Request.PathValue("house_id"), me)
	if err != nil {
		return nil, err
	}
	if h.GetString(house.FieldOwner) != me.Id {
		return nil, errno.New(errno.RoleErr, "只有房东可以管理房屋日历")
	}
	return h, nil
}

func (m *module) item(app core.App, f *core.Record) (feedItem, error) {
	it := feedItem{Id: f.Id, URL: f.GetString(FieldURL),
		LastSync:  stay.LocalTime(f.GetString(FieldLastSync), m.cfg.Location, "2006-01-02 15:04:05"),
		LastError: f.GetString(FieldLastError), Conflicts: []conflict{}}
	err := app.DB().Select(FieldStartDate+" AS start_date", FieldEndDate+" AS end_date").From(BlocksCollection).
		Where(dbx.HashExp{FieldFeed: f.Id, FieldConflict: true}).OrderBy(FieldStartDate).All(&it.Conflicts)
	return it, err
}

// GET /houses/{house_id}/calendar/feeds (the owner; API.md §7.4):
// data {export_url, imports: [{id, url, last_sync, last_error, conflicts}]}. The
// export token is made on first use.
func (m *module) feeds(e *core.RequestEvent) error {
	h, err := ownHouse(e)
	if err != nil {
		return err
	}
	token, err := tokenOf(e.App, h.Id, true)
	if err != nil {
		return err
	}
	var feeds []*core.Record
	err = e.App.RecordQuery(FeedsCollection).Where(dbx.HashExp{FieldHouse: h.Id}).OrderBy("created", "id").All(&feeds)
	if err != nil {
		return err
	}
	items := make([]feedItem, len(feeds))
	for i, f := range feeds {
		if items[i], err = m.item(e.App, f); err != nil {
			return err
		}
	}
	return envelope.OK(e, map[string]any{"export_url": m.exportURL(e, h.Id, token), "imports": items})
}

// POST /houses/{house_id}/calendar/feeds {url} (the owner): adds an
// import (at most 5, else 4004) and syncs it at once; data is the import,
// last_error telling what the first fetch found. 4103 url: not an absolute
// http(s) URL.
func (m *module) addFeed(e *core.RequestEvent) error {
	h, err := ownHouse(e)
	if err != nil {
		return err
	}
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	url, err := body.String("url")
	if err != nil || !validFeedURL(url) {
		return errno.Param("url")
	}
	col, err := e.App.FindCachedCollectionByNameOrId(FeedsCollection)
	if err != nil {
		return err
	}
	feed := core.NewRecord(col)
	err = e.App.RunInTransaction(func(tx core.App) error {
		var n int
		if err := tx.DB().Select("COUNT(*)").From(FeedsCollection).Where(dbx.HashExp{FieldHouse: h.Id}).Row(&n); err != nil {
			return err
		}
		if n >= maxFeeds {
			return errno.New(errno.DataErr, "最多导入 5 个日历")
		}
		feed.Set(FieldHouse, h.Id)
		feed.Set(FieldURL, url)
		return tx.Save(feed)
	})
	if err != nil {
		return err
	}
	if err := m.syncFeed(e.Request.Context(), e.App, feed); err != nil {
		return err
	}
	fresh, err := e.App.FindRecordById(FeedsCollection, feed.Id)
	if err != nil {
		return err
	}
	it, err := m.item(e.App, fresh)
	if err != nil {
		return err
	}
	return envelope.OK(e, it)
}

// DELETE /houses/{house_id}/calendar/feeds {id} (the owner): removes an
// import and its blocks. Unknown id (or another house's) 4002.
func (m *module) removeFeed(e *core.RequestEvent) error {
	h, err := ownHouse(e)
	if err != nil {
		return err
	}
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	id, err := body.String("id")
	if err != nil {
		return err
	}
	feed, err := e.App.FindRecordById(FeedsCollection, id)
	if err != nil || feed.GetString(FieldHouse) != h.Id {
		return errno.New(errno.NoData, "没有这个日历导入")
	}
	if err := e.App.Delete(feed); err != nil { // its blocks go with it (cascade)
		return err
	}
	return envelope.OK(e, nil)
}

// POST /houses/{house_id}/calendar/feeds/token (the owner): a new export
// token; the old URL stops working. data {export_url}.
func (m *module) newToken(e *core.RequestEvent) error {
	h, err := ownHouse(e)
	if err != nil {
		return err
	}
	if _, err := params.Body(e); err != nil { // no fields, but a body is read and capped like any
		return err
	}
	token, err := rotateToken(e.App, h.Id)
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]string{"export_url": m.exportURL(e, h.Id, token)})
}
