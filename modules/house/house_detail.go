package house

import (
	"database/sql"
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
	return envelope.OK(e, map[string]any{"user_id": viewerId, "house": d})
}

func (m *module) loadDetail(app core.App, id string) (houseDetail, error) {
	h, err := app.FindRecordById(Collection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return houseDetail{}, errno.New(errno.NoData, "房屋不存在")
	} else if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}
	owner, err := app.FindRecordById(user.Collection, h.GetString(FieldOwner))
	if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}
	area, err := app.FindRecordById(AreasCollection, h.GetString(FieldArea))
	if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}
	comments, err := m.comments(app, h.Id)
	if err != nil {
		return houseDetail{}, errno.Wrap(errno.DBErr, err)
	}

	d := houseDetail{
		Hid:        intid.Int(h.Id),
		UserId:     intid.Int(owner.Id),
		UserName:   user.PublicName(owner),
		UserAvatar: user.AvatarURL(owner),
		Title:      h.GetString(FieldTitle),
		Price:      int64(h.GetInt(FieldPrice)),
		Address:    h.GetString(FieldAddress),
		AreaId:     intid.Int(area.Id),
		AreaName:   area.GetString(FieldName),
		RoomCount:  int64(h.GetInt(FieldRoomCount)),
		Acreage:    int64(h.GetInt(FieldAcreage)),
		Unit:       h.GetString(FieldUnit),
		Capacity:   int64(h.GetInt(FieldCapacity)),
		Beds:       h.GetString(FieldBeds),
		Deposit:    int64(h.GetInt(FieldDeposit)),
		MinDays:    int64(h.GetInt(FieldMinDays)),
		MaxDays:    int64(h.GetInt(FieldMaxDays)),
		OrderCount: int64(h.GetInt(FieldOrderCount)),
		ImgURLs:    []string{},
		Facilities: []int64{},
		Comments:   comments,
		hidden:     h.GetBool(FieldHidden),
	}
	for _, f := range h.GetStringSlice(FieldImages) {
		d.ImgURLs = append(d.ImgURLs, user.FileURL(Collection, h.Id, f))
	}
	for _, f := range h.GetStringSlice(FieldFacilities) {
		d.Facilities = append(d.Facilities, intid.Int(f))
	}
	slices.Sort(d.Facilities)
	return d, nil
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
