package user_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules/user"
)

func TestMaskMobile(t *testing.T) {
	for in, want := range map[string]string{
		"13800000001": "138****0001",
		"1380000000":  "1380000000", // not 11 characters: left alone
		"":            "",
		"alice":       "alice",
	} {
		if got := user.MaskMobile(in); got != want {
			t.Errorf("MaskMobile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPublicName(t *testing.T) {
	col := core.NewAuthCollection("users")
	col.Fields.Add(&core.TextField{Name: "mobile"}, &core.TextField{Name: "name"})
	for _, tc := range []struct{ mobile, name, want string }{
		{"13800000001", "13800000001", "138****0001"}, // the default name
		{"13800000001", "13900000002", "139****0002"}, // a mobile-like name, someone else's (set by staff)
		{"13800000001", "张三", "张三"},
		{"13800000001", "2380000000x", "2380000000x"},
	} {
		u := core.NewRecord(col)
		u.Set("mobile", tc.mobile)
		u.Set("name", tc.name)
		if got := user.PublicName(u); got != tc.want {
			t.Errorf("PublicName(%s/%s) = %q, want %q", tc.mobile, tc.name, got, tc.want)
		}
	}
}

func TestGuestsAreRefused(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	for _, rt := range []struct{ method, path string }{
		{http.MethodGet, "/user"},
		{http.MethodPost, "/user/name"},
		{http.MethodPut, "/user/name"},
		{http.MethodPost, "/user/avatar"},
		{http.MethodGet, "/user/auth"},
		{http.MethodPost, "/user/auth"},
	} {
		var body any
		if rt.method != http.MethodGet {
			body = map[string]any{"name": "x", "real_name": "张三", "id_card": apptest.FakeIDCard(1)}
		}
		r := c.Do(rt.method, "/api/v1.0"+rt.path, body).Expect(t, http.StatusOK, "4101")
		if r.Data != nil {
			t.Fatalf("%s %s: data in a refusal: %s", rt.method, rt.path, r.Body)
		}
	}
	if r := upload(t, app, c, "avatar", "a.png", "image/png", apptest.PNG(t, 4, 4)); r.Errno != "4101" {
		t.Fatalf("guest upload: %s", r.Body)
	}
}

// expectParam fails t unless r is a 4103 that names field.
func expectParam(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	r.Expect(t, http.StatusOK, "4103")
	if r.Errmsg != "参数错误: "+field {
		t.Fatalf("errmsg %q does not name %s", r.Errmsg, field)
	}
}

// expectExists fails t unless r is a 4003 with message msg.
func expectExists(t *testing.T, r *apptest.Response, msg string) {
	t.Helper()
	r.Expect(t, http.StatusOK, "4003")
	if r.Errmsg != msg {
		t.Fatalf("errmsg %q, want %q", r.Errmsg, msg)
	}
}

func contains(body []byte, secrets ...string) string {
	for _, s := range secrets {
		if strings.Contains(string(body), s) {
			return s
		}
	}
	return ""
}
