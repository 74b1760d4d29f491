package search

import (
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
	"ihome/modules/user"
)

// maxComments is how many reviews the detail shows, newest first.
const maxComments = 30

type detailComment struct {
	UserName string `json:"user_name"`
	Comment  string `json:"comment"`
	Ctime    string `json:"ctime"`
}

// houseDetail is API.md §3.5's house, in the contract's key order.
type houseDetail struct {
	Hid          int64           `json:"hid"`
	UserId       int64           `json:"user_id"`
	UserName     string          `json:"user_name"`
	UserAvatar   string          `json:"user_avatar"`
	Title        string          `json:"title"`
	Price        int64           `json:"price"`
	Address      string          `json:"address"`
	AreaId       int64           `json:"area_id"`
	AreaName     string          `json:"area_name"`
	RoomCount    int64           `json:"room_count"`
	Acreage      int64           `json:"acreage"`
	Unit         string          `json:"unit"`
	Capacity     int64           `json:"capacity"`
	Beds         string          `json:"beds"`
	Deposit      int64           `json:"deposit"`
	MinDays      int64           `json:"min_days"`
	MaxDays      int64           `json:"max_days"`
	OrderCount   int64           `json:"order_count"`
	CancelPolicy string          `json:"cancel_policy"` // one of house.CancelPolicies (API.md §6.4)
	ImgURLs      []string        `json:"img_urls"`
	Facilities   []int64         `json:"facilities"`
	Comments     []detailComment `json:"comments"`

	hidden bool // by staff: only the owner sees it
}

// GET /houses/{house_id}: everything about one house (API.md §3.5), 4002
// when unknown or hidden from the viewer. Cached until the house, a review
// of it, its owner or a reviewer, or an area changes.
func (m *module) detail(e *core.RequestEvent) error {
	id := e.Request.PathValue("house_id")
	if intid.Int(id) < 1 {
		return errno.New(errno.NoData, "房屋不存在")
	}
	d, err := m.details.get(id, func() (houseDetail, error) { return m.loadDetail(e.App, id) })
	if err != nil {
		return err
	}
	viewerId := int64(-1)
	if viewer := session.User(e); viewer != nil {
		viewerId = intid.Int(viewer.Id)
	}
	if d.hidden && viewerId != d.UserId {
		return errno.New(errno.NoData, "房屋不存在")
	}
	return envelope.OK(e, struct {
		UserId int64       `json:"user_id"` // the viewer, -1 for guests
		House  houseDetail `json:"house"`
	}{viewerId, d})
}

// loadDetail reads a house with its owner and area in one query (the
// page is cached, but a cold cache under load still reads thousands).
func (m *module) loadDetail(app core.App, id string) (houseDetail, error) {
	var r struct {
		Id          string `db:"id"`
		Title       string `db:"title"`
		Address     string `db:"address"`
		Unit        string `db:"unit"`
		Beds        string `db:"beds"`
		Facilities  string `db:"facilities"`
		Price       int64  `db:"price"`
		RoomCount   int64  `db:"room_count"`
		Acreage     int64  `db:"acreage"`
		Capacity    int64  `db:"capacity"`
		Deposit     int64  `db:"deposit"`
		MinDays     int64  `db:"min_days"`
		MaxDays     int64  `db:"max_days"`
		OrderCount  int64  `db:"order_count"`
		Policy      string `db:"cancel_policy"`
		Hidden      bool   `db:"hidden"`
		AreaId      string `db:"area_id"`
		AreaName    string `db:"area_name"`
		OwnerId     string `db:"owner_id"`
		OwnerName   string `db:"owner_name"`
		OwnerMobile string `db:"owner_mobile"`
		OwnerAvatar string `db:"owner_avatar"`
	}
	col := func(name string) string { return "h." + name + " AS " + name }
	err := app.DB().Select(
		"h.id", col(house.FieldTitle), col(house.FieldAddress), col(house.FieldUnit), col(house.FieldBeds),
		"h."+house.FieldFacilities+" AS facilities", col(house.FieldPrice),
		col(house.FieldRoomCount), col(house.FieldAcreage), col(house.FieldCapacity), col(house.FieldDeposit),
		col(house.FieldMinDays), col(house.FieldMaxDays), col(house.FieldOrderCount), col(house.FieldCancelPolicy), "h."+house.FieldHidden+" AS hidden",
		"a.id AS area_id", "a."+house.FieldName+" AS area_name",
		"u.id AS owner_id", "u."+user.FieldName+" AS owner_name", "u."+user.FieldMobile+" AS owner_mobile",
		"u."+user.FieldAvatar+" AS owner_avatar",
	).From(house.Collection+" h").
		InnerJoin(house.AreasCollection+" a", dbx.NewExp("a.id = h."+house.FieldArea)).
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = h."+house.FieldOwner)).
		Where(dbx.HashExp{"h.id": id}).One(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return houseDetail{}, errno.New(errno.NoData, "房屋不存在")
	} else if err != nil {
		return houseDetail{}, err
	}
	comments, err := m.comments(app, id)
	if err != nil {
		return houseDetail{}, err
	}
	d := houseDetail{
		Hid: intid.Int(r.Id), UserId: intid.Int(r.OwnerId),
		UserName:   user.DisplayName(r.OwnerName, r.OwnerMobile),
		UserAvatar: user.FileURL(user.Collection, r.OwnerId, r.OwnerAvatar),
		Title:      r.Title, Price: r.Price, Address: r.Address,
		AreaId: intid.Int(r.AreaId), AreaName: r.AreaName,
		RoomCount: r.RoomCount, Acreage: r.Acreage, Unit: r.Unit, Capacity: r.Capacity, Beds: r.Beds,
		Deposit: r.Deposit, MinDays: r.MinDays, MaxDays: r.MaxDays, OrderCount: r.OrderCount,
		CancelPolicy: r.Policy,
		ImgURLs:      []string{}, Facilities: []int64{}, Comments: comments,
		hidden: r.Hidden,
	}
	if d.CancelPolicy == "" {
		d.CancelPolicy = house.CancelFlexible // saved without one (API.md §3.3)
	}
	if d.ImgURLs, err = house.ImageURLs(app, r.Id); err != nil {
		return houseDetail{}, err
	}
	for _, f := range jsonStrings(r.Facilities) {
		d.Facilities = append(d.Facilities, intid.Int(f))
	}
	slices.Sort(d.Facilities)
	return d, nil
}

// jsonStrings decodes a multi-value column (a JSON list of strings).
func jsonStrings(raw string) []string {
	var out []string
	_ = json.Unmarshal([]byte(raw), &out) // PocketBase wrote it: a bad one reads as empty
	return out
}

// comments returns the newest reviews of a house, guests' names masked.
func (m *module) comments(app core.App, houseId string) ([]detailComment, error) {
	var rows []struct {
		Comment string `db:"comment"`
		Updated string `db:"updated"`
		Name    string `db:"name"`
		Mobile  string `db:"mobile"`
	}
	err := app.DB().Select("o."+order.FieldComment+" AS comment", "o.updated", "u."+user.FieldName+" AS name", "u."+user.FieldMobile+" AS mobile").
		From(order.Collection+" o").
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = o."+order.FieldGuest)).
		Where(dbx.HashExp{"o." + order.FieldHouse: houseId, "o." + order.FieldStatus: order.Complete}).
		AndWhere(dbx.NewExp("o."+order.FieldComment+" != ''")).
		OrderBy("o.updated DESC", "CAST(o.id AS INTEGER) DESC").
		Limit(maxComments).All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]detailComment, len(rows))
	for i, r := range rows {
		out[i] = detailComment{UserName: user.DisplayName(r.Name, r.Mobile), Comment: r.Comment,
			Ctime: stay.LocalTime(r.Updated, m.cfg.Location, time.DateTime)}
	}
	return out, nil
}
