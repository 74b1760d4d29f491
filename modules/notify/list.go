package notify

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
)

// item is one notification of GET /notifications (API.md §8.3).
type item struct {
	Id      int64  `json:"id"`
	Kind    string `json:"kind"`
	OrderId int64  `json:"order_id"`
	Text    string `json:"text"`
	Ctime   string `json:"ctime"`
	Read    bool   `json:"read"`
}

// maxMarkIds caps the ids of one PUT /notifications/read.
const maxMarkIds = 100

// GET /notifications?p=: my notifications, newest first, PageSize a page,
// with the number unread. data: {notifications: [item], unread, total_page}.
// A p that is not a positive integer is page 1; past the last, an empty list.
func (m *module) list(e *core.RequestEvent) error {
	mine := dbx.HashExp{FieldUser: session.User(e).Id}
	var counts struct {
		Total  int `db:"total"`
		Unread int `db:"unread"`
	}
	err := e.App.DB().Select("COUNT(*) AS total", "COALESCE(SUM([["+FieldRead+"]] = 0), 0) AS unread").
		From(Collection).Where(mine).One(&counts)
	if err != nil {
		return err
	}
	p := intid.Int(e.Request.URL.Query().Get("p"))
	if p < 1 {
		p = 1
	}
	var rows []struct {
		Id      string `db:"id"`
		Kind    string `db:"kind"`
		Order   string `db:"order_id"`
		Text    string `db:"text"`
		Created string `db:"created"`
		Read    bool   `db:"is_read"`
	}
	size := m.cfg.PageSize
	err = e.App.DB().Select("id", FieldKind, "[["+FieldOrder+"]] AS order_id", FieldText, "created", "[["+FieldRead+"]] AS is_read").
		From(Collection).Where(mine).
		OrderBy("created DESC", "CAST(id AS INTEGER) DESC").
		Offset(min(p-1, 1<<40) * int64(size)).Limit(int64(size)).All(&rows)
	if err != nil {
		return err
	}
	items := make([]item, len(rows))
	for i, r := range rows {
		items[i] = item{Id: intid.Int(r.Id), Kind: r.Kind, OrderId: intid.Int(r.Order), Text: r.Text,
			Ctime: stay.LocalTime(r.Created, m.cfg.Location, time.DateTime), Read: r.Read}
	}
	return envelope.OK(e, struct {
		Notifications []item `json:"notifications"`
		Unread        int    `json:"unread"`
		TotalPage     int    `json:"total_page"`
	}{items, counts.Unread, (counts.Total + size - 1) / size})
}

// PUT /notifications/read {ids: [...]} or {all: true}: marks my
// notifications read; ids that are not mine or unknown are ignored.
// 4103 names ids or all when neither is given well. data: {unread}.
func (m *module) markRead(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	all, err := flag(body, "all")
	if err != nil {
		return err
	}
	ids, err := body.IntList("ids", maxMarkIds)
	if err != nil {
		return err
	}
	if !all && len(ids) == 0 {
		return errno.Param("ids")
	}
	where := dbx.And(dbx.HashExp{FieldUser: session.User(e).Id}, dbx.NewExp("[["+FieldRead+"]] = 0"))
	if !all {
		in := make([]any, 0, len(ids))
		for _, id := range ids {
			if id < 1 || id > intid.MaxId {
				return errno.Param("ids")
			}
			in = append(in, intid.String(id))
		}
		where = dbx.And(where, dbx.In("id", in...))
	}
	now := dbTime(m.cfg.Now())
	if _, err := e.App.DB().Update(Collection, dbx.Params{FieldRead: true, "updated": now}, where).Execute(); err != nil {
		return err
	}
	var unread int
	err = e.App.DB().Select("COUNT(*)").From(Collection).
		Where(dbx.And(dbx.HashExp{FieldUser: session.User(e).Id}, dbx.NewExp("[["+FieldRead+"]] = 0"))).Row(&unread)
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]int{"unread": unread})
}

// flag reads an optional boolean: JSON true/false, or "true"/"false"/"1"/"0"
// from a form; anything else is 4103 naming it.
func flag(body params.Values, name string) (bool, error) {
	v, ok := body[name]
	if !ok || v == nil {
		return false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.TrimSpace(t) {
		case "true", "1":
			return true, nil
		case "false", "0", "":
			return false, nil
		}
	}
	return false, errno.Param(name)
}
