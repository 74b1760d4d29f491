// Package seed fills a data dir with a generated city, deterministic from a
// seed: users (fake mobiles 138xxxxxxxx, valid fake id cards for
// landlords), houses with drawn pictures, and orders in every status that
// never overlap while they occupy a house. Rows are written directly in
// batched transactions, not through the API: a 100,000-order city takes
// seconds.
package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/security"
	"golang.org/x/crypto/bcrypt"

	"ihome/internal/intid"
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

const batch = 2000

type gen struct {
	app  core.App
	opt  Options
	rng  *rand.Rand
	now  string
	loc  *time.Location
	hash string
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
	var n int
	if err := app.DB().Select("count(*)").From("houses").Row(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("seed: the data dir already has %d houses", n)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	g := &gen{app: app, opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x1e0e)), hash: string(hash),
		now: opt.Today.UTC().Format("2006-01-02 15:04:05.000Z")}
	for _, step := range []func() error{g.users, g.houses, g.orders, g.pictures} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// landlords are the first fifth of the users.
func (g *gen) landlords() int { return max(1, g.opt.Users/5) }

func (g *gen) users() error {
	return g.inBatches("users", g.opt.Users, func(tx core.App, i int) error {
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
		_, err := tx.DB().Insert("users", dbx.Params{
			"id": strconv.Itoa(id), "password": g.hash, "tokenKey": security.RandomString(50),
			"email": "", "emailVisibility": false, "verified": false, "avatar": "",
			"name": name, "mobile": mobile, "real_name": realName, "id_card": idCard,
			"created": g.now, "updated": g.now,
		}).Execute()
		return err
	})
}

func (g *gen) houses() error {
	return g.inBatches("houses", g.opt.Houses, func(tx core.App, i int) error {
		id := i + 1
		area := 1 + g.rng.IntN(15)
		facilities := []string{}
		for f := 1; f <= 23; f++ {
			if g.rng.IntN(3) == 0 {
				facilities = append(facilities, strconv.Itoa(f))
			}
		}
		rooms := 1 + g.rng.IntN(4)
		created := g.opt.Today.Add(-time.Duration(g.opt.Houses-i) * time.Minute).UTC().Format("2006-01-02 15:04:05.000Z")
		_, err := tx.DB().Insert("houses", dbx.Params{
			"id": strconv.Itoa(id), "owner": strconv.Itoa(1 + g.rng.IntN(g.landlords())), "area": strconv.Itoa(area),
			"title":      adjectives[g.rng.IntN(len(adjectives))] + unitNames[rooms-1],
			"price":      (100 + g.rng.IntN(40)*50) * 100,
			"address":    streets[g.rng.IntN(len(streets))] + strconv.Itoa(1+g.rng.IntN(300)) + "号",
			"room_count": rooms, "acreage": 20 + rooms*25 + g.rng.IntN(30),
			"unit": unitNames[rooms-1], "capacity": rooms * 2, "beds": fmt.Sprintf("双人床%d张", rooms),
			"deposit": g.rng.IntN(10) * 10000, "min_days": 1 + g.rng.IntN(2), "max_days": []int{0, 0, 30, 60}[g.rng.IntN(4)],
			"facilities": jsonList(facilities), "images": "[]", "order_count": 0, "hidden": false,
			"created": created, "updated": created,
		}).Execute()
		return err
	})
}

// orders gives each house a run of consecutive stays from two months ago
// on: past ones mostly completed (some reviewed), future ones waiting or
// accepted, and some rejected or canceled.
func (g *gen) orders() error {
	perHouse := max(1, g.opt.Orders/g.opt.Houses)
	today := g.opt.Today.Truncate(24 * time.Hour)
	id := 0
	return g.inBatches("orders", g.opt.Houses, func(tx core.App, i int) error {
		house := strconv.Itoa(i + 1)
		var owner, price int
		if err := tx.DB().Select("owner", "price").From("houses").Where(dbx.HashExp{"id": house}).Row(&owner, &price); err != nil {
			return err
		}
		cursor := today.AddDate(0, 0, -60+g.rng.IntN(10))
		completed := 0
		for range perHouse {
			id++
			start := cursor.AddDate(0, 0, g.rng.IntN(4))
			days := 1 + g.rng.IntN(5)
			end := start.AddDate(0, 0, days-1)
			cursor = end.AddDate(0, 0, 1)
			status, comment := g.status(start, end, today)
			if status == "COMPLETE" {
				completed++
			}
			guest := 1 + g.rng.IntN(g.opt.Users)
			if guest == owner {
				guest = guest%g.opt.Users + 1
			}
			created := start.AddDate(0, 0, -3).UTC().Format("2006-01-02 15:04:05.000Z")
			if _, err := tx.DB().Insert("orders", dbx.Params{
				"id": strconv.Itoa(id), "house": house, "guest": strconv.Itoa(guest),
				"start_date": start.Format("2006-01-02"), "end_date": end.Format("2006-01-02"),
				"days": days, "price": price, "amount": days * price, "status": status, "comment": comment,
				"created": created, "updated": created,
			}).Execute(); err != nil {
				return err
			}
		}
		_, err := tx.DB().Update("houses", dbx.Params{"order_count": completed}, dbx.HashExp{"id": house}).Execute()
		return err
	})
}

func (g *gen) status(start, end, today time.Time) (string, string) {
	r := g.rng.IntN(10)
	switch {
	case r == 0:
		return "CANCELED", ""
	case r == 1:
		return "REJECTED", rejectReasons[g.rng.IntN(len(rejectReasons))]
	case end.Before(today) && r < 8:
		return "COMPLETE", reviews[g.rng.IntN(len(reviews))]
	case end.Before(today):
		return "WAIT_COMMENT", "" // stayed, not reviewed yet
	case start.Before(today):
		return "WAIT_COMMENT", ""
	case r < 6:
		return "WAIT_ACCEPT", ""
	default:
		return "WAIT_COMMENT", ""
	}
}

// pictures draws and stores pictures for the first Pictures houses,
// through the record's file field (so the files land in storage).
func (g *gen) pictures() error {
	n := min(g.opt.Pictures, g.opt.Houses)
	for i := range n {
		h, err := g.app.FindRecordById("houses", strconv.Itoa(i+1))
		if err != nil {
			return err
		}
		var files []any
		for k := range 2 + g.rng.IntN(3) {
			data, err := drawHouse(g.rng, 480, 320)
			if err != nil {
				return err
			}
			f, err := filesystem.NewFileFromBytes(data, fmt.Sprintf("house_%d_%d.png", i+1, k))
			if err != nil {
				return err
			}
			files = append(files, f)
		}
		h.Set("images", files)
		if err := g.app.Save(h); err != nil {
			return fmt.Errorf("pictures of house %s: %w", h.Id, err)
		}
		if (i+1)%10 == 0 || i+1 == n {
			g.opt.Progress("pictures", i+1, n)
		}
	}
	return nil
}

// inBatches runs row(i) for i in [0, total) in transactions of batch rows,
// then moves the collection's id counter past what it wrote.
func (g *gen) inBatches(collection string, total int, row func(tx core.App, i int) error) error {
	for from := 0; from < total; from += batch {
		to := min(total, from+batch)
		err := g.app.RunInTransaction(func(tx core.App) error {
			for i := from; i < to; i++ {
				if err := row(tx, i); err != nil {
					return fmt.Errorf("%s row %d: %w", collection, i+1, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		g.opt.Progress(collection, to, total)
	}
	var last int64
	if err := g.app.DB().Select("COALESCE(MAX(CAST(id AS INTEGER)), 0)").From(collection).Row(&last); err != nil {
		return err
	}
	return intid.Reserve(g.app, collection, last)
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
