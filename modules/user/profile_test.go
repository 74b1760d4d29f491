package user_test

import (
	"testing"

	"ihome/internal/apptest"
)

func TestProfile(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)

	r := c.Get("/api/v1.0/user").OK(t)
	want := `{"user_id":` + u.Id + `,"name":"13800000001","mobile":"13800000001","avatar_url":""}`
	if string(r.Data) != want {
		t.Fatalf("got  %s\nwant %s", r.Data, want)
	}

	// a bearer client sees the same profile
	bearer := app.Client()
	bearer.Bearer = bearerToken(t, app, apptest.Mobile(1))
	if r := bearer.Get("/api/v1.0/user").OK(t); string(r.Data) != want {
		t.Fatalf("bearer: %s", r.Data)
	}
}

func bearerToken(t *testing.T, app *apptest.App, mobile string) string {
	t.Helper()
	var login struct {
		Token string `json:"token"`
	}
	app.Client().Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": apptest.DefaultPassword}).OK(t).Decode(t, &login)
	return login.Token
}
