package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/apptest"
	"ihome/internal/errno"
)

func withFaultRoutes(s *apptest.Setup) {
	s.Routes = func(a *api.API) {
		a.Public(http.MethodGet, "/test/panic", func(*core.RequestEvent) error { panic("boom: secret detail") })
		a.Public(http.MethodGet, "/test/fault", func(*core.RequestEvent) error {
			return errno.New(errno.ServerErr, "SELECT * FROM users")
		})
		a.Public(http.MethodPost, "/test/echo", func(e *core.RequestEvent) error {
			_, err := e.Request.Body.Read(make([]byte, 1<<20))
			if err != nil && err.Error() != "EOF" {
				return err
			}
			return e.NoContent(http.StatusNoContent)
		})
	}
}

func TestUnknownRoutesAreEnveloped404(t *testing.T) {
	app := apptest.New(t)
	c := app.Client().Malformed()
	for _, path := range []string{"/api/v1.0/nope", "/api/v1.0/houses/x/y/z", "/api/v1.0", "/api/v1.0/"} {
		r := c.Get(path).Expect(t, http.StatusNotFound, "4002")
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: content type %q", path, r.Header.Get("Content-Type"))
		}
	}
	c.Delete("/api/v1.0/nope").Expect(t, http.StatusNotFound, "4002")
}

func TestWrongMethodIs405(t *testing.T) {
	app := apptest.New(t)
	c := app.Client().Malformed()
	c.Do(http.MethodPatch, "/api/v1.0/session", nil).Expect(t, http.StatusMethodNotAllowed, "4103")
	c.Put("/api/v1.0/imagecode", nil).Expect(t, http.StatusMethodNotAllowed, "4103")
}

func TestPanicsAndFaultsHideTheirDetail(t *testing.T) {
	app := apptest.New(t, withFaultRoutes)
	c := app.Client()
	for _, path := range []string{"/api/v1.0/test/panic", "/api/v1.0/test/fault"} {
		r := c.Get(path).Expect(t, http.StatusInternalServerError, "4500")
		if strings.Contains(string(r.Body), "boom") || strings.Contains(string(r.Body), "SELECT") {
			t.Fatalf("%s leaks detail: %s", path, r.Body)
		}
	}
}

func TestBodyTooLargeIs413(t *testing.T) {
	app := apptest.New(t, withFaultRoutes)
	big := strings.Repeat("x", api.DefaultMaxJSONBody+1)
	app.Client().Malformed().Post("/api/v1.0/test/echo", strings.NewReader(big)).Expect(t, http.StatusRequestEntityTooLarge, "4103")
	app.Client().Malformed().Post("/api/v1.0/session", strings.NewReader(`{"mobile":"`+big+`"}`)).
		Expect(t, http.StatusRequestEntityTooLarge, "4103")
}

func TestEnvelopeShape(t *testing.T) {
	app := apptest.New(t)
	r := app.Client().Get("/api/v1.0/session")
	if string(r.Body) != `{"errno":"4101","errmsg":"未登录"}` {
		t.Fatalf("body %s", r.Body)
	}
}

func TestFrameworkRateLimitIsEnveloped(t *testing.T) {
	app := apptest.New(t)
	app.Settings().RateLimits.Enabled = true
	app.Settings().RateLimits.Rules = []core.RateLimitRule{{Label: "/api/v1.0/", MaxRequests: 2, Duration: 60}}
	c := app.Client()
	c.Get("/api/v1.0/session")
	c.Get("/api/v1.0/session")
	c.Get("/api/v1.0/session").Expect(t, http.StatusTooManyRequests, "4201")
}

func TestCSRF(t *testing.T) {
	app := apptest.New(t)

	t.Run("cookie attributes", func(t *testing.T) {
		r := app.Client().Get("/")
		var found bool
		for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
			if ck.Name != "csrf_token" {
				continue
			}
			found = true
			if ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || len(ck.Value) < 32 {
				t.Fatalf("cookie %+v", ck)
			}
		}
		if !found {
			t.Fatal("no csrf_token cookie on a page")
		}
	})

	t.Run("kept when present", func(t *testing.T) {
		c := app.Client()
		c.Get("/api/v1.0/session")
		first := c.Cookie("csrf_token")
		r := c.Get("/api/v1.0/session")
		if r.Header.Get("Set-Cookie") != "" || c.Cookie("csrf_token") != first {
			t.Fatalf("cookie reissued: %v", r.Header.Values("Set-Cookie"))
		}
	})

	unsafe := []struct{ method, path string }{
		{http.MethodPost, "/api/v1.0/smscode/"},
		{http.MethodPost, "/api/v1.0/user"},
		{http.MethodPost, "/api/v1.0/session"},
		{http.MethodDelete, "/api/v1.0/session"},
	}
	for _, u := range unsafe {
		t.Run("refused without header "+u.method+" "+u.path, func(t *testing.T) {
			c := app.Client()
			c.Get("/api/v1.0/session")
			c.NoCSRF = true
			c.Malformed().Do(u.method, u.path, map[string]any{}).Expect(t, http.StatusForbidden, "4201")
		})
		t.Run("refused with a wrong header "+u.method+" "+u.path, func(t *testing.T) {
			c := app.Client()
			c.Get("/api/v1.0/session")
			c.NoCSRF = true
			req, _ := http.NewRequest(u.method, app.Server.URL+u.path, strings.NewReader("{}"))
			req.Header.Set("X-CSRFToken", "0123456789abcdef0123456789abcdef")
			c.Malformed().Send(req, "application/json").Expect(t, http.StatusForbidden, "4201")
		})
	}

	t.Run("refused when nothing changes: a login without the header", func(t *testing.T) {
		app.CreateUser(apptest.Mobile(1))
		c := app.Client()
		c.Get("/api/v1.0/session")
		c.NoCSRF = true
		c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}).
			Expect(t, http.StatusForbidden, "4201")
		if c.Cookie("session") != "" {
			t.Fatal("a session was issued")
		}
	})

	t.Run("bearer requests without cookies are exempt", func(t *testing.T) {
		app.CreateUser(apptest.Mobile(2))
		login := app.Login(apptest.Mobile(2))
		token := login.Cookie("session")
		bare := app.Client()
		bare.Bearer = token
		bare.NoCSRF = true
		bare.Get("/api/v1.0/session").OK(t)
		bare.Delete("/api/v1.0/session").OK(t)
		login.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101") // that token's session is gone
	})
}
