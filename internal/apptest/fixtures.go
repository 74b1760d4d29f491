package apptest

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
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
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, ch := range body {
		sum += int(ch-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
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
