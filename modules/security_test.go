package modules_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"golang.org/x/crypto/bcrypt"

	"ihome/internal/apptest"
)

// cookie returns the cookie name set by r, or fails t.
func cookie(t *testing.T, r *apptest.Response, name string) *http.Cookie {
	t.Helper()
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	t.Fatalf("no %s cookie in %v", name, r.Header.Values("Set-Cookie"))
	return nil
}

// register signs mobile up through captcha, SMS code and POST /user.
func register(t *testing.T, app *apptest.App, c *apptest.Client, mobile, password string) *apptest.Response {
	t.Helper()
	key := "reg-" + mobile
	code := captcha(t, app, c, key)
	c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": key, "image_code": code}).OK(t)
	rec, err := app.FindFirstRecordByFilter("sms_codes", "mobile = {:m}", dbx.Params{"m": mobile})
	if err != nil {
		t.Fatal(err)
	}
	return c.Post("/api/v1.0/user", map[string]any{"mobile": mobile, "phonecode": rec.GetString("code"), "password": password}).OK(t)
}

func TestCookiesOverTLS(t *testing.T) {
	app := apptest.NewTLS(t)
	cheapPasswords(t, app)
	if !strings.HasPrefix(app.Server.URL, "https://") {
		t.Fatalf("served at %s", app.Server.URL)
	}
	app.CreateUser(apptest.Mobile(1))
	c := app.TLSClient()

	first := c.Get("/api/v1.0/session")
	csrf := cookie(t, first, "csrf_token")
	if csrf.HttpOnly || !csrf.Secure || csrf.SameSite != http.SameSiteLaxMode || csrf.Path != "/" {
		t.Errorf("csrf_token over TLS: %+v (want readable by scripts, Secure, Lax, Path=/)", csrf)
	}

	checkSession := func(label string, ck *http.Cookie) {
		t.Helper()
		if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("%s: session cookie %+v (want HttpOnly, Secure, SameSite=Lax, Path=/)", label, ck)
		}
	}
	login := c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}).OK(t)
	ck := cookie(t, login, "session")
	checkSession("login", ck)
	if ck.MaxAge != 7*24*3600 {
		t.Errorf("login: session lifetime %d s", ck.MaxAge)
	}
	c.Get("/api/v1.0/session").OK(t) // the Secure cookie goes back over TLS

	out := c.Delete("/api/v1.0/session").OK(t)
	gone := cookie(t, out, "session")
	checkSession("logout", gone)
	if gone.MaxAge >= 0 || gone.Value != "" {
		t.Errorf("logout does not clear the cookie: %+v", gone)
	}

	reg := register(t, app, app.TLSClient(), apptest.Mobile(2), "password-2-long")
	checkSession("register", cookie(t, reg, "session"))

	t.Run("plain HTTP: not Secure, otherwise the same", func(t *testing.T) {
		plain := apptest.New(t)
		cheapPasswords(t, plain)
		plain.CreateUser(apptest.Mobile(1))
		pc := plain.Client()
		r := pc.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}).OK(t)
		ck := cookie(t, r, "session")
		if !ck.HttpOnly || ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("session cookie over plain HTTP: %+v", ck)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	for _, path := range []string{"/api/v1.0/session", "/api/v1.0/houses", "/api/v1.0/nope", "/api/v1.0/imagecode?cur=h1"} {
		r := c.Get(path)
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
}

// TestFaultsShowNoInternals breaks the database under the running app:
// the answers are enveloped faults whose errmsg shows no SQL, no file
// path, no stack.
func TestFaultsShowNoInternals(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)
	owner, lc := app.NewUser(1)
	app.Verify(owner, 1)
	h := app.CreateHouse(owner, nil)
	_, gc := app.NewUser(2)
	for _, q := range []string{"DROP TABLE orders", "DROP TABLE sms_codes", "DROP TABLE captchas"} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	var log []exchange
	for _, r := range []*apptest.Response{
		gc.Get("/api/v1.0/orders?role=custom"),
		lc.Get("/api/v1.0/orders?role=landlord"),
		gc.Post("/api/v1.0/orders", map[string]any{"house_id": h.Id, "start_date": app.Today(1), "end_date": app.Today(1)}),
		gc.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 1, "comment": "x"}),
		lc.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": 1}),
		app.Client().Get("/api/v1.0/imagecode?cur=broken"),
		app.Client().Post("/api/v1.0/smscode/", map[string]any{"mobile": apptest.Mobile(9), "image_code_id": "k", "image_code": "ABCD"}),
		app.Client().Post("/api/v1.0/user", map[string]any{"mobile": apptest.Mobile(9), "phonecode": "123456", "password": "password-1"}),
		gc.Get(fmt.Sprintf("/api/v1.0/houses/%s", h.Id)),
	} {
		if r.Status < 500 && r.Errno != "4001" && r.Errno != "4500" {
			t.Logf("%s: answered %d %s", r.Errmsg, r.Status, r.Errno) // some routes do not touch the dropped tables
		}
		if !isEnvelope(r) {
			t.Errorf("not an envelope: HTTP %d %s", r.Status, r.Body)
		}
		log = append(log, exchange{who: anon, label: string(r.Body), r: r})
	}
	checkErrmsgs(t, log)
	healthy(t, app)
}

// TestPasswordsAreStoredAsBcryptHashes reads the users table itself.
func TestPasswordsAreStoredAsBcryptHashes(t *testing.T) {
	app := apptest.New(t)
	long := strings.Repeat("密", 30) + "-abc" // 94 bytes: over bcrypt's 72
	plain := map[string]string{apptest.Mobile(1): "plain-text-pass-1", apptest.Mobile(2): long}
	for m, p := range plain {
		register(t, app, app.Client(), m, p)
	}
	app.CreateUser(apptest.Mobile(3))
	plain[apptest.Mobile(3)] = apptest.DefaultPassword

	for m, p := range plain {
		row := dbx.NullStringMap{}
		if err := app.DB().Select("*").From("users").Where(dbx.HashExp{"mobile": m}).One(&row); err != nil {
			t.Fatal(err)
		}
		hash := row["password"].String
		if !strings.HasPrefix(hash, "$2a$") || hash == p {
			t.Errorf("%s: password column %q is not a bcrypt hash", m, hash)
		}
		if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost < bcrypt.DefaultCost {
			t.Errorf("%s: bcrypt cost %d %v", m, cost, err)
		}
		for col, v := range row {
			if strings.Contains(v.String, p) {
				t.Errorf("%s: column %s holds the plain password", m, col)
			}
		}
		// the password still works, through the API only
		c := app.Client()
		c.Post("/api/v1.0/session", map[string]any{"mobile": m, "password": p}).OK(t)
	}
	for _, table := range []string{"sessions", "sms_codes", "sms_outbox", "captchas"} {
		var rows []dbx.NullStringMap
		if err := app.DB().Select("*").From(table).All(&rows); err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for col, v := range row {
				for _, p := range plain {
					if strings.Contains(v.String, p) {
						t.Errorf("%s.%s holds a plain password", table, col)
					}
				}
			}
		}
	}
}
