package house

import (
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/session"
	"ihome/modules/user"
)

// maxComments is how many reviews the detail shows, newest first.
const maxComments = 30

type detailComment struct {
	UserName string `json:"user_name"`
	Comment  string `json:"comment"`
	Ctime    string `json:"ctime"`
}

type houseDetail struct {
	Hid        int64           `json:"hid"`
	UserId     int64           `json:"user_id"`
	UserName   string          `json:"user_name"`
	UserAvatar string          `json:"user_avatar"`
	Title      string          `json:"title"`
	Price      int64           `json:"price"`
	Address    string          `json:"address"`
	AreaId     int64           `json:"area_id"`
	AreaName   string          `json:"area_name"`
	RoomCount  int64           `json:"room_count"`
	Acreage    int64           `json:"acreage"`
	Unit       string          `json:"unit"`
	Capacity   int64           `json:"capacity"`
	Beds       string          `json:"beds"`
	Deposit    int64           `json:"deposit"`
	MinDays    int64           `json:"min_days"`
	MaxDays    int64           `json:"max_days"`
	OrderCount int64           `json:"order_count"`
	ImgURLs    []string        `json:"img_urls"`
	Facilities []int64         `json:"facilities"`
	Comments   []detailComment `json:"comments"`

	hidden bool // by staff: only the owner sees it
}

// FindVisible returns the house id, or NoData when it does not exist or is
// hidden by staff (its owner still sees it).
func FindVisible(app core.App, id string, viewer *core.Record) (*core.Record, error) {
	if intid.Int(id) < 1 {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	h, err := app.FindRecordById(Collection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	if err != nil {
		return nil, errno.Wrap(errno.DBErr, err)
	}
	if h.GetBool(FieldHidden) && (viewer == nil || viewer.Id != h.GetString(FieldOwner)) {
		return nil, errno.New(errno.NoData, "房屋不存在")
	}
	return h, nil
}

// GET /houses/{house_id}: everything about one house (cached until the
// house, a review of it, a user or an area changes).
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
		Images      string `db:"images"`
		Price       int64  `db:"price"`
		RoomCount   int64  `db:"room_count"`
		Acreage     int64  `db:"acreage"`
		Capacity    int64  `db:"capacity"`
		Deposit     int64  `db:"deposit"`
		MinDays     int64  `db:"min_days"`
		MaxDays     int64  `db:"max_days"`
		OrderCount  int64  `db:"order_count"`
		Hidden      bool   `db:"hidden"`
		AreaId      string `db:"area_id"`
		AreaName    string `db:"area_name"`
		OwnerId     string `db:"owner_id"`
		OwnerName   string `db:"owner_name"`
		OwnerMobile string `db:"owner_mobile"`
		OwnerAvatar string `db:"owner_avatar"`
	}
	err := app.DB().Select(
		"h.id", "h.title", "h.address", "h.unit", "h.beds", "h.facilities", "h.images", "h.price",
		"h.room_count", "h.acreage", "h.capacity", "h.deposit", "h.min_days", "h.max_days",
		"h.order_count", "h.hidden", "a.id AS area_id", "a.name AS area_name",
		"u.id AS owner_id", "u.name AS owner_name", "u.mobile AS owner_mobile", "u.avatar AS owner_avatar",
	).From(Collection+" h").
		InnerJoin(AreasCollection+" a", dbx.NewExp("a.id = h.area")).
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = h.owner")).
		Where(dbx.HashExp{"h.id": id}).One(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return houseDetail{}, errno.New(errno.NoData, "房屋不存在")
	} else if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}
	comments, err := m.comments(app, id)
	if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}
	d := houseDetail{
		Hid: intid.Int(r.Id), UserId: intid.Int(r.OwnerId),
		UserName:   user.DisplayName(r.OwnerName, r.OwnerMobile),
		UserAvatar: user.FileURL(user.Collection, r.OwnerId, r.OwnerAvatar),
		Title:      r.Title, Price: r.Price, Address: r.Address,
		AreaId: intid.Int(r.AreaId), AreaName: r.AreaName,
		RoomCount: r.RoomCount, Acreage: r.Acreage, Unit: r.Unit, Capacity: r.Capacity, Beds: r.Beds,
		Deposit: r.Deposit, MinDays: r.MinDays, MaxDays: r.MaxDays, OrderCount: r.OrderCount,
		ImgURLs: []string{}, Facilities: []int64{}, Comments: comments,
		hidden: r.Hidden,
	}
	for _, f := range jsonStrings(r.Images) {
		d.ImgURLs = append(d.ImgURLs, user.FileURL(Collection, r.Id, f))
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

// comments returns the newest reviews of house, guests' names masked.
func (m *module) comments(app core.App, houseId string) ([]detailComment, error) {
	var rows []struct {
		Comment string `db:"comment"`
		Updated string `db:"updated"`
		Name    string `db:"name"`
		Mobile  string `db:"mobile"`
	}
	err := app.DB().Select("o.comment", "o.updated", "u.name", "u.mobile").
		From(OrdersCollection+" o").
		InnerJoin(user.Collection+" u", dbx.NewExp("u.id = o.guest")).
		Where(dbx.HashExp{"o.house": houseId, "o.status": "COMPLETE"}).
		AndWhere(dbx.NewExp("o.comment != ''")).
		OrderBy("o.updated DESC", "CAST(o.id AS INTEGER) DESC").
		Limit(maxComments).All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]detailComment, len(rows))
	for i, r := range rows {
		out[i] = detailComment{UserName: user.DisplayName(r.Name, r.Mobile), Comment: r.Comment, Ctime: m.localTime(r.Updated, "2006-01-02 15:04:05")}
	}
	return out, nil
}
