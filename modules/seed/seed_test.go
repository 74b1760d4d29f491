package seed_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules/seed"
	"ihome/modules/user"
)

func small(s uint64) seed.Options {
	return seed.Options{Seed: s, Users: 30, Houses: 40, Orders: 400, Pictures: 2,
		Today: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func TestSeed(t *testing.T) {
	app := apptest.New(t)
	if err := seed.Run(app, small(7)); err != nil {
		t.Fatal(err)
	}
	if n := app.Count("SELECT count(*) FROM users"); n != 30 {
		t.Fatalf("%d users", n)
	}
	if n := app.Count("SELECT count(*) FROM houses"); n != 40 {
		t.Fatalf("%d houses", n)
	}
	if n := app.Count("SELECT count(*) FROM orders"); n != 400 {
		t.Fatalf("%d orders", n)
	}
	for _, status := range []string{"WAIT_ACCEPT", "WAIT_COMMENT", "COMPLETE", "CANCELED", "REJECTED"} {
		if app.Count("SELECT count(*) FROM orders WHERE status = '"+status+"'") == 0 {
			t.Errorf("no %s order", status)
		}
	}
	if n := app.Count(`SELECT count(*) FROM orders a JOIN orders b ON a.house = b.house AND a.id < b.id
		AND a.start_date <= b.end_date AND b.start_date <= a.end_date
		WHERE a.status NOT IN ('CANCELED','REJECTED') AND b.status NOT IN ('CANCELED','REJECTED')`); n != 0 {
		t.Fatalf("%d overlapping occupying pairs", n)
	}
	if n := app.Count(`SELECT count(*) FROM houses h WHERE h.order_count !=
		(SELECT count(*) FROM orders o WHERE o.house = h.id AND o.status = 'COMPLETE')`); n != 0 {
		t.Fatalf("%d houses with a wrong order_count", n)
	}
	if n := app.Count("SELECT count(*) FROM orders o JOIN houses h ON h.id = o.house WHERE o.guest = h.owner"); n != 0 {
		t.Fatalf("%d landlords booked their own house", n)
	}
	landlords, err := app.FindRecordsByFilter("users", "id_card != ''", "", 0, 0)
	if err != nil || len(landlords) == 0 {
		t.Fatalf("landlords %v %v", len(landlords), err)
	}
	for _, l := range landlords {
		if _, ok := user.ValidIDCard(l.GetString("id_card"), time.Now()); !ok {
			t.Fatalf("invalid id card %s", l.GetString("id_card"))
		}
	}

	// the site works on it: new ids continue after the seeded ones, a
	// seeded user logs in, pictures serve
	c := app.Client()
	c.Post("/api/v1.0/session", map[string]any{"mobile": "13800000001", "password": seed.Password}).OK(t)
	var d struct {
		House struct {
			ImgURLs []string `json:"img_urls"`
		} `json:"house"`
	}
	c.Get("/api/v1.0/houses/1").OK(t).Decode(t, &d)
	if len(d.House.ImgURLs) < 2 {
		t.Fatalf("pictures %v", d.House.ImgURLs)
	}
	if r := c.Get(d.House.ImgURLs[0]); r.Status != 200 || len(r.Body) < 100 {
		t.Fatalf("picture %d, %d bytes", r.Status, len(r.Body))
	}
	u := app.CreateUser(apptest.Mobile(9999))
	if u.Id != "31" {
		t.Fatalf("next user id %s", u.Id)
	}
	if err := seed.Run(app, small(7)); err == nil {
		t.Fatal("seeded a data dir twice")
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	digest := func(s uint64) string {
		app := apptest.New(t)
		opt := small(s)
		opt.Pictures = 0
		if err := seed.Run(app, opt); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			A string `db:"a"`
		}
		err := app.DB().NewQuery(`SELECT id || owner || area || title || price || facilities AS a FROM houses
			UNION ALL SELECT id || house || guest || start_date || end_date || status || comment FROM orders
			UNION ALL SELECT id || name || mobile || id_card FROM users`).All(&rows)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, r := range rows {
			fmt.Fprintln(h, r.A)
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	if a, b := digest(3), digest(3); a != b {
		t.Fatal("the same seed made two different cities")
	}
	if a, b := digest(3), digest(4); a == b {
		t.Fatal("two seeds made the same city")
	}
}

// indexes lists the schema's indexes of users, houses and orders.
func indexes(t *testing.T, app *apptest.App) []string {
	t.Helper()
	var rows []struct {
		S string `db:"s"`
	}
	err := app.DB().NewQuery(`SELECT name || ' ' || sql AS s FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('users', 'houses', 'orders') ORDER BY name`).All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.S
	}
	return out
}

// TestSeedKeepsIndexes: the rows are written with the indexes dropped (a
// million orders load several times faster); every index is back after,
// identical, and the unique ones hold.
func TestSeedKeepsIndexes(t *testing.T) {
	app := apptest.New(t)
	before := indexes(t, app)
	if len(before) < 10 {
		t.Fatalf("only %d indexes before seeding: %v", len(before), before)
	}
	opt := small(5)
	opt.Pictures = 0
	if err := seed.Run(app, opt); err != nil {
		t.Fatal(err)
	}
	if after := indexes(t, app); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("indexes changed:\nbefore %v\nafter  %v", before, after)
	}
	// the unique index on mobiles is enforced again
	if _, err := app.DB().NewQuery("UPDATE users SET mobile = '13800000001' WHERE id = '2'").Execute(); err == nil {
		t.Fatal("two users with one mobile")
	}
}

// TestSeedRefusesAUsedDataDir: a data dir with users is not seeded (the
// rows would meet the existing ones with the unique indexes dropped), and
// is left as it was.
func TestSeedRefusesAUsedDataDir(t *testing.T) {
	app := apptest.New(t)
	app.CreateUser(apptest.Mobile(1))
	before := indexes(t, app)
	if err := seed.Run(app, small(5)); err == nil {
		t.Fatal("seeded over an existing user")
	}
	if n := app.Count("SELECT count(*) FROM users"); n != 1 {
		t.Fatalf("%d users", n)
	}
	if after := indexes(t, app); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("indexes changed:\nbefore %v\nafter  %v", before, after)
	}
}
