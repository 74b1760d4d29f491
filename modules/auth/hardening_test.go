package auth_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules"
)

// send is c.Do with extra request headers (a proxy's, say).
func send(t *testing.T, app *apptest.App, c *apptest.Client, method, path string, body any, header map[string]string) *apptest.Response {
	t.Helper()
	var rd io.Reader
	contentType := ""
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd, contentType = strings.NewReader(string(raw)), "application/json"
	}
	req, err := http.NewRequest(method, app.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.Send(req, contentType)
}

// setCookies returns the cookies r sets, by name.
func setCookies(r *apptest.Response) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		out[ck.Name] = ck
	}
	return out
}

// client returns a new client that acts from ip ("": no X-Forwarded-For).
func client(app *apptest.App, ip string) *apptest.Client {
	c := app.Client()
	c.IP = ip
	return c
}

// TestSecureCookiesBehindTrustedProxy (API.md §1.7): behind a TLS-terminating
// proxy that PocketBase's trusted-proxy setting names, X-Forwarded-Proto:
// https makes both cookies Secure; the same header on a request that did not
// come through the proxy, or with no proxy configured, changes nothing.
func TestSecureCookiesBehindTrustedProxy(t *testing.T) {
	app := apptest.New(t) // trusts X-Forwarded-For, as a deployment behind a proxy would
	app.CreateUser(apptest.Mobile(1))
	https := map[string]string{"X-Forwarded-Proto": "https"}
	login := map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}

	t.Run("through the proxy", func(t *testing.T) {
		for _, path := range []string{"/api/v1.0/session", "/", "/login.html"} {
			ck := setCookies(send(t, app, client(app, "203.0.113.7"), http.MethodGet, path, nil, https))["csrf_token"]
			if ck == nil || !ck.Secure || ck.HttpOnly {
				t.Errorf("GET %s: csrf_token %+v, want Secure and readable by scripts", path, ck)
			}
		}
		c := client(app, "203.0.113.7")
		r := send(t, app, c, http.MethodPost, "/api/v1.0/session", login, https).OK(t)
		if ck := setCookies(r)["session"]; ck == nil || !ck.Secure || !ck.HttpOnly {
			t.Errorf("login: session %+v, want Secure", ck)
		}
		// the cookie that ends the session is Secure too, or the browser
		// would keep the old one (the jar does not send a Secure cookie back
		// over http: replay it by hand)
		var data struct{ Token string }
		r.Decode(t, &data)
		out := client(app, "203.0.113.7")
		out.SetCookie("session", data.Token)
		r = send(t, app, out, http.MethodDelete, "/api/v1.0/session", nil, https).OK(t)
		if ck := setCookies(r)["session"]; ck == nil || !ck.Secure || ck.MaxAge >= 0 {
			t.Errorf("logout: session %+v, want a Secure clearing cookie", ck)
		}
	})

	t.Run("the proxy says http", func(t *testing.T) {
		// the last value is the proxy's: one a client sent before it does not count
		for _, proto := range []string{"http", "https, http"} {
			r := send(t, app, client(app, "203.0.113.8"), http.MethodPost, "/api/v1.0/session", login,
				map[string]string{"X-Forwarded-Proto": proto}).OK(t)
			if ck := setCookies(r)["session"]; ck == nil || ck.Secure {
				t.Errorf("X-Forwarded-Proto %q: session %+v", proto, ck)
			}
		}
	})

	t.Run("not through the proxy", func(t *testing.T) {
		// no X-Forwarded-For: the request did not come through the trusted proxy
		r := send(t, app, client(app, ""), http.MethodPost, "/api/v1.0/session", login, https).OK(t)
		for name, ck := range setCookies(r) {
			if ck.Secure {
				t.Errorf("%s is Secure on a direct request that claims https", name)
			}
		}
	})

	t.Run("no trusted proxy configured", func(t *testing.T) {
		direct := apptest.New(t)
		direct.Settings().TrustedProxy.Headers = nil
		direct.CreateUser(apptest.Mobile(1))
		r := send(t, direct, client(direct, "203.0.113.7"), http.MethodPost, "/api/v1.0/session", login, https).OK(t)
		for name, ck := range setCookies(r) {
			if ck.Secure {
				t.Errorf("%s is Secure although no proxy is trusted", name)
			}
		}
	})
}

// TestSecureCookiesFlag: --secure-cookies makes both cookies Secure even on
// a plain HTTP request (a proxy that sends no X-Forwarded-Proto).
func TestSecureCookiesFlag(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Session.SecureCookies = true }))
	app.CreateUser(apptest.Mobile(1))
	c := client(app, "")
	first := c.Get("/api/v1.0/session")
	if ck := setCookies(first)["csrf_token"]; ck == nil || !ck.Secure {
		t.Errorf("csrf_token %+v, want Secure", ck)
	}
	page := client(app, "").Get("/")
	if ck := setCookies(page)["csrf_token"]; ck == nil || !ck.Secure {
		t.Errorf("page: csrf_token %+v, want Secure", ck)
	}
	r := client(app, "").Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}).OK(t)
	if ck := setCookies(r)["session"]; ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Errorf("session %+v, want Secure", ck)
	}
}

// loginToken logs mobile in as a new client and returns it with its token.
func loginToken(t *testing.T, app *apptest.App, mobile, password string) (*apptest.Client, string) {
	t.Helper()
	c := app.Client()
	r := c.Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": password}).OK(t)
	var data struct{ Token string }
	r.Decode(t, &data)
	return c, data.Token
}

func bearer(app *apptest.App, token string) *apptest.Client {
	c := app.Client()
	c.Bearer, c.NoCSRF = token, true
	return c
}

// TestLogoutEverywhere: DELETE /sessions (API.md §1.7) ends every session of
// the user, cookie and bearer alike, and clears the cookie; other users'
// sessions stay.
func TestLogoutEverywhere(t *testing.T) {
	app := apptest.New(t)
	app.CreateUser(apptest.Mobile(1))
	app.CreateUser(apptest.Mobile(2))
	phone, _ := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	laptop, _ := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	_, token := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	other, _ := loginToken(t, app, apptest.Mobile(2), apptest.DefaultPassword)
	oldCookie := phone.Cookie("session")
	csrfBefore := phone.Cookie("csrf_token")

	app.Client().Delete("/api/v1.0/sessions").Expect(t, http.StatusOK, "4101")

	r := phone.Delete("/api/v1.0/sessions").OK(t)
	if ck := setCookies(r)["session"]; ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("the session cookie is not cleared: %+v", ck)
	}
	if phone.Cookie("csrf_token") != csrfBefore {
		t.Error("the csrf_token cookie changed")
	}
	replay := app.Client()
	replay.SetCookie("session", oldCookie)
	replay.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	laptop.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	bearer(app, token).Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	other.Get("/api/v1.0/session").OK(t)

	again, _ := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	again.Get("/api/v1.0/session").OK(t)

	// with a bearer token (no cookies, so no CSRF header needed)
	_, t2 := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	bearer(app, t2).Delete("/api/v1.0/sessions").OK(t)
	again.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
}

// staffClient is a new superuser's client, with PocketBase's own token.
func staffClient(t *testing.T, app *apptest.App) *apptest.Client {
	t.Helper()
	_, c := app.NewStaff()
	return c
}

// TestStaffPasswordChangeRevokesSessions (API.md §1.7): staff set a user's
// password in the admin API; the user's old session cookies and bearer
// tokens then get 4101, the new password logs in, and other users and
// other edits are untouched.
func TestStaffPasswordChangeRevokesSessions(t *testing.T) {
	app := apptest.New(t)
	user := app.CreateUser(apptest.Mobile(1))
	app.CreateUser(apptest.Mobile(2))
	staff := staffClient(t, app)
	cookieC, token := loginToken(t, app, apptest.Mobile(1), apptest.DefaultPassword)
	other, otherToken := loginToken(t, app, apptest.Mobile(2), apptest.DefaultPassword)
	record := "/api/collections/users/records/" + user.Id

	// edits that leave the password alone end nothing, also when made on
	// a record that was created in memory (it has no original to compare)
	user.Set("name", "renamed-in-code")
	if err := app.Save(user); err != nil {
		t.Fatal(err)
	}
	cookieC.Get("/api/v1.0/session").OK(t)
	if r := staff.Do(http.MethodPatch, record, map[string]any{"name": "staff-renamed"}); r.Status != http.StatusOK {
		t.Fatalf("staff rename: HTTP %d %s", r.Status, r.Body)
	}
	cookieC.Get("/api/v1.0/session").OK(t)
	bearer(app, token).Get("/api/v1.0/session").OK(t)

	r := staff.Do(http.MethodPatch, record, map[string]any{"password": "new-password-9", "passwordConfirm": "new-password-9"})
	if r.Status != http.StatusOK {
		t.Fatalf("staff password change: HTTP %d %s", r.Status, r.Body)
	}
	cookieC.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	bearer(app, token).Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	if n := app.Count("SELECT count(*) FROM sessions WHERE user = '" + user.Id + "'"); n != 0 {
		t.Errorf("%d sessions of the user left", n)
	}
	other.Get("/api/v1.0/session").OK(t)
	bearer(app, otherToken).Get("/api/v1.0/session").OK(t)

	app.Client().Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}).
		Expect(t, http.StatusOK, "4106")
	fresh, _ := loginToken(t, app, apptest.Mobile(1), "new-password-9")
	fresh.Get("/api/v1.0/session").OK(t)

	t.Run("a change made in code revokes too", func(t *testing.T) {
		u, err := app.FindRecordById("users", user.Id)
		if err != nil {
			t.Fatal(err)
		}
		u.SetPassword("third-password-1")
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		fresh.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
		other.Get("/api/v1.0/session").OK(t)
	})
}

// TestCaptchaThrottlePerIP (API.md §1.7): 30 captchas per IP per minute, the
// 31st is a JSON 4201 (HTTP 200) and stores nothing; other addresses are
// unaffected; the window slides; malformed requests do not count.
func TestCaptchaThrottlePerIP(t *testing.T) {
	app := apptest.New(t)
	c := client(app, "10.9.0.1")
	for range 5 {
		c.Get("/api/v1.0/imagecode?cur=bad/id").Expect(t, http.StatusOK, "4103")
	}
	for i := range 30 {
		r := c.Get(fmt.Sprintf("/api/v1.0/imagecode?cur=t-%d", i))
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("captcha %d: HTTP %d %s", i+1, r.Status, r.Body)
		}
		app.Clock.Advance(time.Second)
	}
	r := c.Get("/api/v1.0/imagecode?cur=t-31").Expect(t, http.StatusOK, "4201")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("throttled answer is %s", r.Header.Get("Content-Type"))
	}
	if n := app.Count("SELECT count(*) FROM captchas WHERE key = 't-31'"); n != 0 {
		t.Error("a throttled request stored a captcha")
	}
	if r := client(app, "10.9.0.2").Get("/api/v1.0/imagecode?cur=other"); r.Header.Get("Content-Type") != "image/png" {
		t.Errorf("another address is throttled: %s", r.Body)
	}
	app.Clock.Advance(61 * time.Second)
	if r := c.Get("/api/v1.0/imagecode?cur=later"); r.Header.Get("Content-Type") != "image/png" {
		t.Errorf("still throttled a minute later: %s", r.Body)
	}

	t.Run("configurable", func(t *testing.T) {
		small := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Auth.CaptchaPerMinutePerIP = 2 }))
		c := client(small, "10.9.0.3")
		c.Get("/api/v1.0/imagecode?cur=a")
		c.Get("/api/v1.0/imagecode?cur=b")
		c.Get("/api/v1.0/imagecode?cur=c").Expect(t, http.StatusOK, "4201")
	})
}

// TestRegisterThrottlePerIP (API.md §1.7): 20 registration attempts per IP
// per hour; the 21st is 4201 before anything is looked up, so it no longer
// tells whether a mobile is registered.
func TestRegisterThrottlePerIP(t *testing.T) {
	app := apptest.New(t)
	app.CreateUser(apptest.Mobile(1))
	attempt := func(c *apptest.Client, mobile string) *apptest.Response {
		return c.Post("/api/v1.0/user", map[string]any{"mobile": mobile, "phonecode": "123456", "password": "password-1"})
	}
	c := client(app, "10.9.1.1")
	for range 5 {
		c.Post("/api/v1.0/user", map[string]any{"mobile": "bad"}).Expect(t, http.StatusOK, "4103")
	}
	for i := range 19 {
		attempt(c, apptest.Mobile(100+i)).Expect(t, http.StatusOK, "4002")
	}
	attempt(c, apptest.Mobile(1)).Expect(t, http.StatusOK, "4003") // the 20th
	attempt(c, apptest.Mobile(1)).Expect(t, http.StatusOK, "4201")
	attempt(c, apptest.Mobile(200)).Expect(t, http.StatusOK, "4201")
	attempt(client(app, "10.9.1.2"), apptest.Mobile(1)).Expect(t, http.StatusOK, "4003")
	app.Clock.Advance(time.Hour + time.Second)
	attempt(c, apptest.Mobile(1)).Expect(t, http.StatusOK, "4003")

	t.Run("configurable", func(t *testing.T) {
		small := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Auth.RegisterHourlyPerIP = 1 }))
		c := client(small, "10.9.1.3")
		attempt(c, apptest.Mobile(5)).Expect(t, http.StatusOK, "4002")
		attempt(c, apptest.Mobile(5)).Expect(t, http.StatusOK, "4201")
	})
}

// staffLogin posts a superuser login from ip.
func staffLogin(t *testing.T, app *apptest.App, ip, password string) int {
	t.Helper()
	c := client(app, ip)
	return c.Post("/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": "root@example.com", "password": password}).Status
}

func newRoot(t *testing.T, app *apptest.App) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("root@example.com")
	su.SetPassword("root-password-1")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
}

// TestStaffLoginRateLimit (API.md §1.7): PocketBase's rate limiter is on for
// the superuser auth routes on a fresh data dir: the 6th staff login from
// one IP within a minute gets 429, even with the right password; another
// address still logs in. The setting is stored (it survives a restart) and
// throttles nothing else.
func TestStaffLoginRateLimit(t *testing.T) {
	app := apptest.New(t)
	newRoot(t, app)
	for i := range 5 {
		if s := staffLogin(t, app, "10.9.2.1", "wrong-password"); s != http.StatusBadRequest {
			t.Fatalf("wrong staff login %d: HTTP %d", i+1, s)
		}
	}
	if s := staffLogin(t, app, "10.9.2.1", "wrong-password"); s != http.StatusTooManyRequests {
		t.Fatalf("6th staff login in a minute: HTTP %d, want 429", s)
	}
	if s := staffLogin(t, app, "10.9.2.1", "root-password-1"); s != http.StatusTooManyRequests {
		t.Fatalf("right password after the limit: HTTP %d, want 429", s)
	}
	if s := staffLogin(t, app, "10.9.2.2", "root-password-1"); s != http.StatusOK {
		t.Fatalf("staff login from another address: HTTP %d", s)
	}

	if err := app.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	limits := app.Settings().RateLimits
	rule, ok := limits.FindRateLimitRule([]string{"_superusers:authWithPassword", "_superusers:auth"})
	if !limits.Enabled || !ok || rule.MaxRequests != 5 || rule.Duration != 60 {
		t.Fatalf("stored rate limits: %+v", limits)
	}
	for _, path := range []string{"/api/v1.0/session", "/api/v1.0/houses", "/api/files/x/y/z", "/"} {
		if r, ok := limits.FindRateLimitRule([]string{"GET " + path, path}); ok {
			t.Errorf("%s is rate limited too: %+v", path, r)
		}
	}

	t.Run("configurable", func(t *testing.T) {
		small := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Auth.StaffLoginPerMinute = 2 }))
		newRoot(t, small)
		staffLogin(t, small, "10.9.2.3", "wrong-password")
		staffLogin(t, small, "10.9.2.3", "wrong-password")
		if s := staffLogin(t, small, "10.9.2.3", "root-password-1"); s != http.StatusTooManyRequests {
			t.Fatalf("3rd staff login with a limit of 2: HTTP %d", s)
		}
	})
}
