package apptest

import (
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
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
	col, err := a.FindCollectionByNameOrId(house.Collection)
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

// statusPath is how CreateOrder walks an order from WAIT_ACCEPT to a
// status, along the order module's transitions.
func statusPath(status string) []string {
	switch status {
	case order.WaitAccept:
		return nil
	case order.WaitPayment:
		return []string{order.WaitPayment}
	case order.Paid:
		return []string{order.WaitPayment, order.Paid}
	case order.WaitComment:
		return []string{order.WaitComment}
	case order.Complete:
		return []string{order.WaitComment, order.Complete}
	}
	return []string{status} // REJECTED, CANCELED; anything else is refused by the rules
}

// CreateOrder saves an order of guest on house h as Go code would, not
// through the booking route (no "today", min/max days or open-order
// checks), then moves it along the status transitions to status. The order
// rules hold: it is born WAIT_ACCEPT, may not overlap an occupying order,
// and reaching COMPLETE raises the house's order_count.
func (a *App) CreateOrder(h, guest *core.Record, start, end, status string) *core.Record {
	a.t.Helper()
	col, err := a.FindCollectionByNameOrId(order.Collection)
	if err != nil {
		a.t.Fatal(err)
	}
	r, ok := stay.ParseRange(start, end)
	if !ok {
		a.t.Fatalf("create order: stay %s → %s", start, end)
	}
	price := h.GetInt(house.FieldPrice)
	rec := core.NewRecord(col)
	rec.Set(order.FieldHouse, h.Id)
	rec.Set(order.FieldGuest, guest.Id)
	rec.Set(order.FieldStartDate, start)
	rec.Set(order.FieldEndDate, end)
	rec.Set(order.FieldDays, r.Days())
	rec.Set(order.FieldPrice, price)
	rec.Set(order.FieldAmount, r.Days()*int64(price))
	rec.Set(order.FieldStatus, order.WaitAccept)
	if err := a.Save(rec); err != nil {
		a.t.Fatalf("create order: %v", err)
	}
	for _, next := range statusPath(status) {
		rec.Set(order.FieldStatus, next)
		if err := a.Save(rec); err != nil {
			a.t.Fatalf("create order: %s: %v", next, err)
		}
	}
	return rec
}

// Today is the clock's date in the server zone (Asia/Shanghai), plus days.
func (a *App) Today(days int) string {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		a.t.Fatal(err)
	}
	return stay.Today(a.Clock.Now(), loc).AddDays(days).String()
}

// NewStaff saves a new superuser (the admin UI's staff) and returns it
// with a client that talks to PocketBase's own APIs with its auth token,
// as the admin UI does.
func (a *App) NewStaff() (*core.Record, *Client) {
	a.t.Helper()
	col, err := a.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		a.t.Fatal(err)
	}
	n, err := a.CountRecords(col)
	if err != nil {
		a.t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("staff@example.com") // the first; then staff1@…, staff2@…
	if n > 0 {
		su.SetEmail(fmt.Sprintf("staff%d@example.com", n))
	}
	su.SetPassword(StaffPassword)
	if err := a.Save(su); err != nil {
		a.t.Fatal(err)
	}
	token, err := su.NewAuthToken()
	if err != nil {
		a.t.Fatal(err)
	}
	c := a.Client()
	c.Bearer, c.NoCSRF = token, true
	return su, c
}

// StaffPassword is the password of the accounts NewStaff makes.
const StaffPassword = "staff-password-1"
