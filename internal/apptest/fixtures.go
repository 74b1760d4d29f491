package apptest

import (
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/modules/user"
)

// DefaultPassword is the password of fixture users.
const DefaultPassword = "secret-pass-1"

// Mobile returns the n-th fake test mobile (13800000001, …).
func Mobile(n int) string { return fmt.Sprintf("1380000%04d", n) }

// CreateUser saves a user directly (no SMS round trip) and returns it.
func (a *App) CreateUser(mobile string) *core.Record {
	a.t.Helper()
	col, err := a.FindCollectionByNameOrId("users")
	if err != nil {
		a.t.Fatal(err)
	}
	rec := core.NewRecord(col)
	rec.Set("mobile", mobile)
	rec.Set("name", mobile)
	rec.SetPassword(DefaultPassword)
	if err := a.Save(rec); err != nil {
		a.t.Fatalf("create user %s: %v", mobile, err)
	}
	return rec
}

// Login logs mobile in with DefaultPassword through the API and returns the client.
func (a *App) Login(mobile string) *Client {
	a.t.Helper()
	c := a.Client()
	c.Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": DefaultPassword}).OK(a.t)
	return c
}

// NewUser creates a user and returns its record and a logged-in client.
func (a *App) NewUser(n int) (*core.Record, *Client) {
	a.t.Helper()
	rec := a.CreateUser(Mobile(n))
	return rec, a.Login(Mobile(n))
}

// FakeIDCard returns a valid-checksum fake id card number (GB 11643) for
// region 110101, born on 1990-01-01 plus n days' worth of sequence numbers.
func FakeIDCard(n int) string {
	body := fmt.Sprintf("11010119900101%03d", n%1000)
	return body + string(user.CheckChar(body))
}

// Count runs a query that returns a single integer (a count, a sum).
func (a *App) Count(sql string) int {
	a.t.Helper()
	var n int
	if err := a.DB().NewQuery(sql).Row(&n); err != nil {
		a.t.Fatalf("%s: %v", strings.TrimSpace(sql), err)
	}
	return n
}

// Verify gives u a real name and the n-th fake id card, as the
// real-name route would.
func (a *App) Verify(u *core.Record, n int) {
	a.t.Helper()
	u.Set("real_name", "测试用户")
	u.Set("id_card", FakeIDCard(n))
	if err := a.Save(u); err != nil {
		a.t.Fatalf("verify %s: %v", u.Id, err)
	}
}

// HouseFields are the defaults of CreateHouse; a test overrides some.
func HouseFields() map[string]any {
	return map[string]any{
		"area": "1", "title": "测试房屋", "price": 10000, "address": "测试路1号",
		"room_count": 2, "acreage": 60, "unit": "两室一厅", "capacity": 3, "beds": "双人床",
		"deposit": 50000, "min_days": 1, "max_days": 0, "order_count": 0,
	}
}

// CreateHouse saves a house of owner directly, HouseFields overridden by fields.
func (a *App) CreateHouse(owner *core.Record, fields map[string]any) *core.Record {
	a.t.Helper()
	col, err := a.FindCollectionByNameOrId("houses")
	if err != nil {
		a.t.Fatal(err)
	}
	rec := core.NewRecord(col)
	for k, v := range HouseFields() {
		rec.Set(k, v)
	}
	for k, v := range fields {
		rec.Set(k, v)
	}
	rec.Set("owner", owner.Id)
	if err := a.Save(rec); err != nil {
		a.t.Fatalf("create house: %v", err)
	}
	return rec
}

// CreateOrder saves an order directly, bypassing the booking rules.
func (a *App) CreateOrder(house, guest *core.Record, start, end, status string) *core.Record {
	a.t.Helper()
	col, err := a.FindCollectionByNameOrId("orders")
	if err != nil {
		a.t.Fatal(err)
	}
	s, _ := time.Parse("2006-01-02", start)
	e, _ := time.Parse("2006-01-02", end)
	days := int(e.Sub(s).Hours()/24) + 1
	rec := core.NewRecord(col)
	rec.Set("house", house.Id)
	rec.Set("guest", guest.Id)
	rec.Set("start_date", start)
	rec.Set("end_date", end)
	rec.Set("days", days)
	rec.Set("price", house.GetInt("price"))
	rec.Set("amount", days*house.GetInt("price"))
	rec.Set("status", status)
	if err := a.Save(rec); err != nil {
		a.t.Fatalf("create order: %v", err)
	}
	return rec
}

// Today is the clock's date in the server zone (Asia/Shanghai), plus days.
func (a *App) Today(days int) string {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return a.Clock.Now().In(loc).AddDate(0, 0, days).Format("2006-01-02")
}
