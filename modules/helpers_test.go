package modules_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"ihome/internal/apptest"
)

// captcha fetches an image captcha under key as c and returns its code,
// read from the captchas collection as staff would.
func captcha(t testing.TB, app *apptest.App, c *apptest.Client, key string) string {
	t.Helper()
	r := c.Get("/api/v1.0/imagecode?cur=" + key)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("imagecode %s: HTTP %d %s", key, r.Status, r.Body)
	}
	rec, err := app.FindFirstRecordByFilter("captchas", "key = {:k}", dbx.Params{"k": key})
	if err != nil {
		t.Fatalf("captcha %s not stored: %v", key, err)
	}
	return rec.GetString("code")
}

// newSuperuser saves a staff account (the admin UI's _superusers).
func newSuperuser(t testing.TB, app *apptest.App) *core.Record {
	t.Helper()
	su, _ := app.NewStaff()
	return su
}

// tally counts answers by errno; an answer that is not HTTP 200 counts
// under "HTTP <status>".
func tally(rs []*apptest.Response) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		if r.Status != http.StatusOK {
			m["HTTP "+http.StatusText(r.Status)]++
			continue
		}
		m[r.Errno]++
	}
	return m
}

// healthy fails t unless the server still answers GET /session with an envelope.
func healthy(t testing.TB, app *apptest.App) {
	t.Helper()
	r := app.Client().Get("/api/v1.0/session")
	if r.Status != http.StatusOK || (r.Errno != "4101" && r.Errno != "0") {
		t.Fatalf("server unhealthy: HTTP %d %s", r.Status, r.Body)
	}
}

// isEnvelope reports whether r is a well-formed /api/v1.0 JSON answer.
func isEnvelope(r *apptest.Response) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Errno == "" || r.Errmsg == "" {
		return false
	}
	for _, ch := range r.Errno {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}

// cheapPasswords lowers the bcrypt cost of users' passwords to the minimum
// for users saved from now on: logins then cost microseconds instead of
// seconds under -race. Only for tests whose subject is not the hash.
func cheapPasswords(t testing.TB, app *apptest.App) {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	pf, ok := users.Fields.GetByName("password").(*core.PasswordField)
	if !ok {
		t.Fatal("users has no password field")
	}
	pf.Cost = bcrypt.MinCost
	if err := app.Save(users); err != nil {
		t.Fatal(err)
	}
}
