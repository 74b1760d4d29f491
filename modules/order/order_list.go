package order

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/session"
	"ihome/modules/house"
	"ihome/modules/user"
)

type listItem struct {
	OrderId   int64  `json:"order_id"`
	Title     string `json:"title"`
	ImgURL    string `json:"img_url"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Ctime     string `json:"ctime"`
	Days      int64  `json:"days"`
	Amount    int64  `json:"amount"`
	Status    string `json:"status"`
	Comment   string `json:"comment"`
}

// GET /orders?role=custom|landlord: my bookings, or the bookings of my houses.
func (m *module) list(e *core.RequestEvent) error {
	me := session.User(e).Id
	q := e.App.DB().Select(
		"o.id", "h.id AS house_id", "h.title", "COALESCE(json_extract(h.images, '$[0]'), '') AS first_image",
		"o.start_date", "o.end_date", "o.created", "o.days", "o.amount", "o.status", "o.comment",
	).From(Collection+" o").InnerJoin(house.Collection+" h", dbx.NewExp("h.id = o.house"))
	switch e.Request.URL.Query().Get("role") {
	case "custom":
		q = q.Where(dbx.HashExp{"o.guest": me})
	case "landlord":
		q = q.Where(dbx.HashExp{"h.owner": me})
	default:
		return errno.Param("role")
	}
	var rows []struct {
		Id         string `db:"id"`
		HouseId    string `db:"house_id"`
		Title      string `db:"title"`
		FirstImage string `db:"first_image"`
		StartDate  string `db:"start_date"`
		EndDate    string `db:"end_date"`
		Created    string `db:"created"`
		Days       int64  `db:"days"`
		Amount     int64  `db:"amount"`
		Status     string `db:"status"`
		Comment    string `db:"comment"`
	}
	if err := q.OrderBy("o.created DESC", "CAST(o.id AS INTEGER) DESC").All(&rows); err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	items := make([]listItem, len(rows))
	for i, r := range rows {
		items[i] = listItem{
			OrderId:   intid.Int(r.Id),
			Title:     r.Title,
			ImgURL:    user.FileURL(house.Collection, r.HouseId, r.FirstImage),
			StartDate: r.StartDate,
			EndDate:   r.EndDate,
			Ctime:     house.LocalTime(r.Created, m.cfg.Location, "2006-01-02 15:04:05"),
			Days:      r.Days,
			Amount:    r.Amount,
			Status:    r.Status,
			Comment:   r.Comment,
		}
	}
	return envelope.OK(e, map[string]any{"orders": items})
}
