package user_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
)

func TestRenameParams(t *testing.T) {
	app := apptest.New(t)
	_, c := app.NewUser(1)
	for _, body := range []map[string]any{
		{},
		{"name": ""},
		{"name": "   "},
		{"name": nil},
		{"name": true},
		{"name": []any{"a"}},
		{"name": strings.Repeat("名", 33)},
		{"name": "a\x01b"},
		{"name": "a\nb"},
		{"name": "a\u202eb"}, // right-to-left override
		{"name": "a\u2028b"}, // line separator
	} {
		expectParam(t, c.Post("/api/v1.0/user/name", body), "name")
	}
	expectParam(t, c.Post("/api/v1.0/user/name", strings.NewReader(`{"name":`)), "body")
	if n := app.Count("SELECT count(*) FROM users WHERE name = '13800000001'"); n != 1 {
		t.Fatal("a refused rename changed the name")
	}
}

func TestRename(t *testing.T) {
	app := apptest.New(t)
	u1, c1 := app.NewUser(1)
	_, c2 := app.NewUser(2)
	name := func(c *apptest.Client) string {
		var p struct {
			Name string `json:"name"`
		}
		c.Get("/api/v1.0/user").OK(t).Decode(t, &p)
		return p.Name
	}

	t.Run("success, trimmed, seen by GET /user and GET /session", func(t *testing.T) {
		r := c1.Post("/api/v1.0/user/name", map[string]any{"name": "  小明  "}).OK(t)
		if r.Errmsg != "OK" || r.Data != nil {
			t.Fatalf("got %s", r.Body)
		}
		if got := name(c1); got != "小明" {
			t.Fatalf("name %q", got)
		}
		var s struct {
			Name string `json:"name"`
		}
		c1.Get("/api/v1.0/session").OK(t).Decode(t, &s)
		if s.Name != "小明" {
			t.Fatalf("session name %q", s.Name)
		}
	})

	t.Run("PUT, form body, 32 characters", func(t *testing.T) {
		long := strings.Repeat("名", 32)
		c1.Put("/api/v1.0/user/name", url.Values{"name": {long}}).OK(t)
		if got := name(c1); got != long {
			t.Fatalf("name %q", got)
		}
		// a number is the wrong type for text (API.md §1.7), digits in a string are text
		expectParam(t, c1.Put("/api/v1.0/user/name", map[string]any{"name": 7}), "name")
		c1.Put("/api/v1.0/user/name", map[string]any{"name": "7"}).OK(t)
		if got := name(c1); got != "7" {
			t.Fatalf("name %q", got)
		}
	})

	t.Run("the same name again", func(t *testing.T) {
		c1.Post("/api/v1.0/user/name", map[string]any{"name": "小明"}).OK(t)
		c1.Post("/api/v1.0/user/name", map[string]any{"name": "小明"}).OK(t)
	})

	t.Run("taken by another user", func(t *testing.T) {
		expectExists(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": "小明"}), "用户名已存在")
		expectExists(t, c2.Put("/api/v1.0/user/name", map[string]any{"name": "小明"}), "用户名已存在")
		if got := name(c2); got != apptest.Mobile(2) {
			t.Fatalf("name changed to %q", got)
		}
	})

	t.Run("names that look like a mobile", func(t *testing.T) {
		// another user's default name, and a number nobody has registered yet
		expectExists(t, c1.Post("/api/v1.0/user/name", map[string]any{"name": apptest.Mobile(2)}), "用户名已存在")
		expectExists(t, c1.Post("/api/v1.0/user/name", map[string]any{"name": "13912345678"}), "用户名已存在")
		// but one's own mobile is fine
		c1.Post("/api/v1.0/user/name", map[string]any{"name": apptest.Mobile(1)}).OK(t)
		if got := name(c1); got != apptest.Mobile(1) {
			t.Fatalf("name %q", got)
		}
		// an 11-digit number not starting with 1 is not a mobile
		c1.Post("/api/v1.0/user/name", map[string]any{"name": "23912345678"}).OK(t)
	})

	t.Run("the unique index refuses a racing rename", func(t *testing.T) {
		// Just before user 1's save, another request gives user 2 the name.
		var fired atomic.Bool
		app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
			if e.Record.Id == u1.Id && e.Record.GetString("name") == "racer" && fired.CompareAndSwap(false, true) {
				other, err := e.App.FindFirstRecordByData("users", "mobile", apptest.Mobile(2))
				if err != nil {
					return err
				}
				other.Set("name", "racer")
				if err := e.App.Save(other); err != nil {
					return err
				}
			}
			return e.Next()
		})
		expectExists(t, c1.Post("/api/v1.0/user/name", map[string]any{"name": "racer"}), "用户名已存在")
		// the staged save ran in the rename's transaction, so it is rolled
		// back with it: only the refusal and user 1's name can be checked
		if !fired.Load() || name(c1) == "racer" {
			t.Fatalf("race not staged: fired %v, names %q %q", fired.Load(), name(c1), name(c2))
		}
	})

	t.Run("wrong method", func(t *testing.T) {
		c1.Delete("/api/v1.0/user/name").Expect(t, http.StatusMethodNotAllowed, "4103")
	})
}
