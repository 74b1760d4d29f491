package order

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
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
	Refund    int64  `json:"refund"` // fen, 0 when none (API.md §6.5)
}

// GET /orders?role=custom|landlord&p=: my bookings, or the bookings of my
// houses, newest first, 50 a page (API.md §4.2, §1.7): data {orders,
// total_page}. 4103 role.
func (m *module) list(e *core.RequestEvent) error {
	me := session.User(e).Id
	columns := []string{
		"o.id", "h.id AS house_id", "h.title", "h." + house.FieldIndexImage + " AS first_image",
		"o.start_date", "o.end_date", "o.created", "o.days", "o.amount", "o.status", "o.comment", "o." + FieldRefund + " AS refund",
	}
	q := e.App.DB().Select(columns...).From(Collection+" o").InnerJoin(house.Collection+" h", dbx.NewExp("h.id = o.house"))
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
		Refund     int64  `db:"refund"`
	}
	var total int
	if err := q.Select("COUNT(*)").Row(&total); err != nil {
		return err
	}
	size := m.cfg.ListPageSize
	err := q.Select(columns...).OrderBy("o.created DESC", "CAST(o.id AS INTEGER) DESC").
		Offset(int64(params.Offset(params.Page(e.Request.URL.Query()), size))).Limit(int64(size)).All(&rows)
	if err != nil {
		return err
	}
	items := make([]listItem, len(rows))
	for i, r := range rows {
		items[i] = listItem{
			OrderId:   intid.Int(r.Id),
			Title:     r.Title,
			ImgURL:    r.FirstImage, // a URL already
			StartDate: r.StartDate,
			EndDate:   r.EndDate,
			Ctime:     stay.LocalTime(r.Created, m.cfg.Location, time.DateTime),
			Days:      r.Days,
			Amount:    r.Amount,
			Status:    r.Status,
			Comment:   r.Comment,
			Refund:    r.Refund,
		}
	}
	return envelope.OK(e, struct {
		Orders    []listItem `json:"orders"`
		TotalPage int64      `json:"total_page"`
	}{items, params.Pages(total, size)})
}
