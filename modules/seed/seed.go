// Package seed fills a data dir with a generated city, deterministic from a
// seed: users (fake mobiles 138xxxxxxxx, valid fake id cards for
// landlords), houses with drawn pictures, and orders in every status that
// never overlap while they occupy a house. Rows are written directly with
// prepared multi-row INSERTs in large transactions, not through the API: a
// 100,000-house, 1,000,000-order city takes well under a minute.
package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"golang.org/x/crypto/bcrypt"

	"ihome/modules/house"
	"ihome/modules/order"
	"ihome/modules/user"
)

// Password is the password of every generated user.
const Password = "password-1"

// Options size the city.
type Options struct {
	Seed     uint64
	Users    int
	Houses   int
	Orders   int // about; spread evenly over the houses
	Pictures int // houses (the first ones) that get drawn pictures
	Today    time.Time
	// Progress, when set, is told how far each stage is.
	Progress func(stage string, done, total int)
}

// Demo is a small, pleasant city for a newcomer's first look.
func Demo() Options {
	return Options{Seed: 1, Users: 40, Houses: 60, Orders: 400, Pictures: 60}
}

type gen struct {
	app    core.App
	opt    Options
	rng    *rand.Rand
	now    string
	hash   string
	houses []drawnHouse // drawn before the orders, written after them
}

// drawnHouse is a house before it is written.
type drawnHouse struct {
	owner, area, price, rooms, acreage, deposit, minDays, maxDays int
	orderCount                                                    int // its COMPLETE orders
	title, address, facilities, created                           string
}

var houseColumns = []string{"id", house.FieldOwner, house.FieldArea, house.FieldTitle, house.FieldPrice,
	house.FieldAddress, house.FieldRoomCount, house.FieldAcreage, house.FieldUnit, house.FieldCapacity,
	house.FieldBeds, house.FieldDeposit, house.FieldMinDays, house.FieldMaxDays, house.FieldFacilities,
	house.FieldIndexImage, house.FieldOrderCount, house.FieldHidden, "created", "updated"}

// values are the house's row, in the order of houseColumns.
func (h *drawnHouse) values(id int) []any {
	return []any{strconv.Itoa(id), strconv.Itoa(h.owner), strconv.Itoa(h.area), h.title, h.price,
		h.address, h.rooms, h.acreage, unitNames[h.rooms-1], h.rooms * 2,
		fmt.Sprintf("双人床%d张", h.rooms), h.deposit, h.minDays, h.maxDays, h.facilities,
		"", h.orderCount, false, h.created, h.created}
}

// Run fills app. It expects the migrated, empty schema.
func Run(app core.App, opt Options) error {
	if opt.Users < 2 || opt.Houses < 1 {
		return fmt.Errorf("seed: need at least 2 users and 1 house")
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.Progress == nil {
		opt.Progress = func(string, int, int) {}
	}
	// an empty city only: the rows are written with the indexes dropped,
	// so nothing may be there for a unique index to find again
	for _, table := range []string{house.Collection, order.Collection, user.Collection} {
		var n int
		if err := app.DB().Select("count(*)").From(table).Row(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("seed: the data dir already has %d %s", n, table)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	g := &gen{app: app, opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x1e0e)), hash: string(hash),
		now: opt.Today.UTC().Format("2006-01-02 15:04:05.000Z")}
	// the houses are drawn first (the random stream's order is the city),
	// written after the orders so that each carries its order_count
	err = withoutIndexes(app, []string{user.Collection, house.Collection, order.Collection}, func() error {
		for _, step := range []func() error{g.users, g.drawHouses, g.orders, g.writeHouses} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return g.pictures()
}

// landlords are the first fifth of the users.
func (g *gen) landlords() int { return max(1, g.opt.Users/5) }

func (g *gen) users() error {
	cols := []string{"id", "password", "tokenKey", "email", "emailVisibility", "verified", user.FieldAvatar,
		user.FieldName, user.FieldMobile, user.FieldRealName, user.FieldIDCard, "created", "updated"}
	return g.insert(user.Collection, cols, g.opt.Users, func(i int, row []any) {
		id := i + 1
		mobile := fmt.Sprintf("138%08d", id)
		name := mobile
		if id%2 == 0 {
			name = surnames[id%len(surnames)] + "先生" + strconv.Itoa(id)
		}
		realName, idCard := "", ""
		if id <= g.landlords() {
			realName = surnames[id%len(surnames)] + givenNames[id%len(givenNames)]
			idCard = fakeIDCard(id)
		}
		copy(row, []any{strconv.Itoa(id), g.hash, security.RandomString(50), "", false, false, "",
			name, mobile, realName, idCard, g.now, g.now})
	})
}

// drawHouses draws every house; the random draws are in the order the
// first version of this generator made them, so a seed makes the same city.
func (g *gen) drawHouses() error {
	g.houses = make([]drawnHouse, g.opt.Houses)
	for i := range g.houses {
		area := 1 + g.rng.IntN(15)
		facilities := []string{}
		for f := 1; f <= 23; f++ {
			if g.rng.IntN(3) == 0 {
				facilities = append(facilities, strconv.Itoa(f))
			}
		}
		h := &g.houses[i]
		h.area, h.facilities, h.rooms = area, jsonList(facilities), 1+g.rng.IntN(4)
		h.created = g.opt.Today.Add(-time.Duration(g.opt.Houses-i) * time.Minute).UTC().Format("2006-01-02 15:04:05.000Z")
		h.owner = 1 + g.rng.IntN(g.landlords())
		h.title = adjectives[g.rng.IntN(len(adjectives))] + unitNames[h.rooms-1]
		h.price = (100 + g.rng.IntN(40)*50) * 100
		h.address = streets[g.rng.IntN(len(streets))] + strconv.Itoa(1+g.rng.IntN(300)) + "号"
		h.acreage = 20 + h.rooms*25 + g.rng.IntN(30)
		h.deposit = g.rng.IntN(10) * 10000
		h.minDays = 1 + g.rng.IntN(2)
		h.maxDays = []int{0, 0, 30, 60}[g.rng.IntN(4)]
	}
	return nil
}

func (g *gen) writeHouses() error {
	return g.insert(house.Collection, houseColumns, len(g.houses), func(i int, row []any) {
		copy(row, g.houses[i].values(i+1))
	})
}

// orders gives each house a run of consecutive stays from two months ago
// on: past ones mostly completed (some reviewed), future ones waiting or
// accepted, and some rejected or canceled.
func (g *gen) orders() error {
	perHouse := max(1, g.opt.Orders/g.opt.Houses)
	today := g.opt.Today.Truncate(24 * time.Hour)
	var cursor time.Time
	cols := []string{"id", order.FieldHouse, order.FieldGuest, order.FieldStartDate, order.FieldEndDate,
		order.FieldDays, order.FieldPrice, order.FieldAmount, order.FieldStatus, order.FieldComment, "created", "updated"}
	return g.insert(order.Collection, cols, perHouse*g.opt.Houses, func(i int, row []any) {
		h := &g.houses[i/perHouse]
		if i%perHouse == 0 {
			cursor = today.AddDate(0, 0, -60+g.rng.IntN(10))
		}
		start := cursor.AddDate(0, 0, g.rng.IntN(4))
		days := 1 + g.rng.IntN(5)
		end := start.AddDate(0, 0, days-1)
		cursor = end.AddDate(0, 0, 1)
		status, comment := g.status(start, end, today)
		if status == order.Complete {
			h.orderCount++
		}
		guest := 1 + g.rng.IntN(g.opt.Users)
		if guest == h.owner {
			guest = guest%g.opt.Users + 1
		}
		created := start.AddDate(0, 0, -3).UTC().Format("2006-01-02 15:04:05.000Z")
		copy(row, []any{strconv.Itoa(i + 1), strconv.Itoa(1 + i/perHouse), strconv.Itoa(guest), start.Format("2006-01-02"),
			end.Format("2006-01-02"), days, h.price, days * h.price, status, comment, created, created})
	})
}

func (g *gen) status(start, end, today time.Time) (string, string) {
	r := g.rng.IntN(10)
	switch {
	case r == 0:
		return order.Canceled, ""
	case r == 1:
		return order.Rejected, rejectReasons[g.rng.IntN(len(rejectReasons))]
	case end.Before(today) && r < 8:
		return order.Complete, reviews[g.rng.IntN(len(reviews))]
	case end.Before(today):
		return order.WaitComment, "" // stayed, not reviewed yet
	case start.Before(today):
		return order.WaitComment, ""
	case r < 6:
		return order.WaitAccept, ""
	default:
		return order.WaitComment, ""
	}
}

// fakeIDCard is a valid-checksum number for region 110101, unique for n.
func fakeIDCard(n int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/900)
	body := "110101" + birth.Format("20060102") + fmt.Sprintf("%03d", n%900+100)
	return body + string(user.CheckChar(body))
}

func jsonList(items []string) string {
	if len(items) == 0 {
		return "[]"
	}
	return `["` + strings.Join(items, `","`) + `"]`
}

var (
	surnames      = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
	givenNames    = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"}
	adjectives    = []string{"温馨", "阳光", "精装", "近地铁", "安静", "宽敞", "复式", "花园", "胡同", "湖景"}
	unitNames     = []string{"一居室", "两居室", "三居室", "四居室"}
	streets       = []string{"建国路", "长安街", "中关村大街", "望京西路", "三里屯路", "学院路", "金融街", "王府井大街"}
	reviews       = []string{"房东很热情，房间干净整洁。", "交通方便，离地铁很近。", "和照片一样，住得很舒服。", "性价比高，下次还来。", "安静，适合休息。"}
	rejectReasons = []string{"房屋维修中", "日期已有安排", "暂不接待"}
)
