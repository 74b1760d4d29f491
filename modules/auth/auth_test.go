package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/internal/sms"
	"ihome/modules"
)

// captcha fetches a captcha for cur as c and returns its code, read from the
// captchas collection as staff would.
func captcha(t *testing.T, app *apptest.App, c *apptest.Client, cur string) string {
	t.Helper()
	r := c.Get("/api/v1.0/imagecode?cur=" + cur)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("imagecode: %d %s", r.Status, r.Body)
	}
	rec, err := app.FindFirstRecordByFilter("captchas", "key = {:k}", dbx.Params{"k": cur})
	if err != nil {
		t.Fatalf("captcha %s not stored: %v", cur, err)
	}
	return rec.GetString("code")
}

// smsCode asks for an SMS code for mobile and returns it, read from sms_codes.
func smsCode(t *testing.T, app *apptest.App, c *apptest.Client, mobile string) string {
	t.Helper()
	cur := fmt.Sprintf("cap-%s-%d", mobile, time.Now().UnixNano())
	code := captcha(t, app, c, cur)
	c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": cur, "image_code": code}).OK(t)
	rec, err := app.FindFirstRecordByFilter("sms_codes", "mobile = {:m}", dbx.Params{"m": mobile})
	if err != nil {
		t.Fatalf("sms code not stored: %v", err)
	}
	return rec.GetString("code")
}

func register(t *testing.T, app *apptest.App, c *apptest.Client, mobile string) {
	t.Helper()
	code := smsCode(t, app, c, mobile)
	c.Post("/api/v1.0/user", map[string]any{"mobile": mobile, "phonecode": code, "password": "password-1"}).OK(t)
}

func TestImageCode(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()

	r := c.Get("/api/v1.0/imagecode?cur=abc-123")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("got %d %v", r.Status, r.Header)
	}
	if _, err := png.Decode(bytes.NewReader(r.Body)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	rec, err := app.FindFirstRecordByFilter("captchas", "key = 'abc-123'")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[2-9A-HJKMNP-Z]{4,6}$`).MatchString(rec.GetString("code")) {
		t.Fatalf("code %q", rec.GetString("code"))
	}

	for _, bad := range []string{"", "?cur=", "?cur=" + strings.Repeat("a", 65), "?cur=a/b", "?cur=ok&pre=no%20pe"} {
		c.Get("/api/v1.0/imagecode"+bad).Expect(t, http.StatusOK, "4103")
	}

	c.Get("/api/v1.0/imagecode?cur=second&pre=abc-123")
	if n := app.Count("SELECT count(*) FROM captchas WHERE key = 'abc-123'"); n != 0 {
		t.Fatalf("pre not discarded: %d rows", n)
	}
}

func TestSMSCode(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	mobile := apptest.Mobile(1)
	post := func(body map[string]any) *apptest.Response { return c.Post("/api/v1.0/smscode/", body) }

	t.Run("params", func(t *testing.T) {
		for field, body := range map[string]map[string]any{
			"mobile":        {"mobile": "23800000001", "image_code_id": "x", "image_code": "ABCD"},
			"image_code_id": {"mobile": mobile, "image_code_id": "a b", "image_code": "ABCD"},
			"image_code":    {"mobile": mobile, "image_code_id": "x"},
		} {
			r := post(body).Expect(t, http.StatusOK, "4103")
			if !strings.Contains(r.Errmsg, field) {
				t.Fatalf("errmsg %q does not name %s", r.Errmsg, field)
			}
		}
	})

	t.Run("unknown captcha", func(t *testing.T) {
		post(map[string]any{"mobile": mobile, "image_code_id": "never", "image_code": "ABCD"}).Expect(t, http.StatusOK, "4002")
	})

	t.Run("wrong captcha is consumed", func(t *testing.T) {
		code := captcha(t, app, c, "w1")
		post(map[string]any{"mobile": mobile, "image_code_id": "w1", "image_code": "zzzz"}).Expect(t, http.StatusOK, "4004")
		post(map[string]any{"mobile": mobile, "image_code_id": "w1", "image_code": code}).Expect(t, http.StatusOK, "4002")
	})

	t.Run("expired captcha", func(t *testing.T) {
		code := captcha(t, app, c, "old")
		app.Clock.Advance(181 * time.Second)
		post(map[string]any{"mobile": mobile, "image_code_id": "old", "image_code": code}).Expect(t, http.StatusOK, "4002")
	})

	t.Run("sent, case-insensitive captcha, form body", func(t *testing.T) {
		code := captcha(t, app, c, "ok1")
		r := c.Post("/api/v1.0/smscode", url.Values{"mobile": {mobile}, "image_code_id": {"ok1"}, "image_code": {strings.ToLower(code)}}).OK(t)
		if r.Errmsg != "发送成功" || r.Data != nil {
			t.Fatalf("got %s", r.Body)
		}
		rec, err := app.FindFirstRecordByFilter("sms_codes", "mobile = {:m}", dbx.Params{"m": mobile})
		if err != nil || !regexp.MustCompile(`^\d{6}$`).MatchString(rec.GetString("code")) {
			t.Fatalf("code row %v %v", rec, err)
		}
		out, err := app.FindFirstRecordByFilter("sms_outbox", "mobile = {:m}", dbx.Params{"m": mobile})
		if err != nil || !strings.Contains(out.GetString("text"), rec.GetString("code")) {
			t.Fatalf("outbox %v %v", out, err)
		}
	})

	t.Run("resend within 60 s", func(t *testing.T) {
		code := captcha(t, app, c, "again")
		post(map[string]any{"mobile": mobile, "image_code_id": "again", "image_code": code}).Expect(t, http.StatusOK, "4201")
		app.Clock.Advance(61 * time.Second)
		smsCode(t, app, c, mobile)
	})

	t.Run("registered mobile", func(t *testing.T) {
		app.CreateUser(apptest.Mobile(2))
		code := captcha(t, app, c, "reg")
		r := post(map[string]any{"mobile": apptest.Mobile(2), "image_code_id": "reg", "image_code": code}).Expect(t, http.StatusOK, "4003")
		if r.Errmsg != "手机号已注册" {
			t.Fatalf("errmsg %q", r.Errmsg)
		}
	})
}

func TestSMSDailyAndPerIPCaps(t *testing.T) {
	app := apptest.New(t)

	t.Run("10 a day per mobile", func(t *testing.T) {
		mobile := apptest.Mobile(10)
		for i := range 10 {
			c := app.Client()
			c.IP = fmt.Sprintf("10.0.1.%d", i)
			smsCode(t, app, c, mobile)
			app.Clock.Advance(61 * time.Second)
		}
		c := app.Client()
		c.IP = "10.0.1.99"
		code := captcha(t, app, c, "day11")
		c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": "day11", "image_code": code}).
			Expect(t, http.StatusOK, "4201")
	})

	t.Run("20 an hour per IP", func(t *testing.T) {
		c := app.Client()
		c.IP = "10.0.2.1"
		for i := range 20 {
			smsCode(t, app, c, apptest.Mobile(100+i))
		}
		code := captcha(t, app, c, "ip21")
		c.Post("/api/v1.0/smscode/", map[string]any{"mobile": apptest.Mobile(200), "image_code_id": "ip21", "image_code": code}).
			Expect(t, http.StatusOK, "4201")
		other := app.Client()
		other.IP = "10.0.2.2"
		smsCode(t, app, other, apptest.Mobile(200))
	})
}

func TestRegister(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	mobile := apptest.Mobile(1)
	post := func(body map[string]any) *apptest.Response { return c.Post("/api/v1.0/user", body) }

	for field, body := range map[string]map[string]any{
		"mobile":    {"mobile": "1380000", "phonecode": "123456", "password": "password-1"},
		"phonecode": {"mobile": mobile, "password": "password-1"},
		"password":  {"mobile": mobile, "phonecode": "123456", "password": "short"},
		"password2": {"mobile": mobile, "phonecode": "123456", "password": "password-1", "password2": "password-2"},
	} {
		r := post(body).Expect(t, http.StatusOK, "4103")
		if !strings.Contains(r.Errmsg, field) {
			t.Fatalf("errmsg %q does not name %s", r.Errmsg, field)
		}
	}
	post(map[string]any{"mobile": mobile, "phonecode": "123456", "password": strings.Repeat("长", 73)}).Expect(t, http.StatusOK, "4103")

	post(map[string]any{"mobile": mobile, "phonecode": "123456", "password": "password-1"}).Expect(t, http.StatusOK, "4002")

	code := smsCode(t, app, c, mobile)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 4 {
		post(map[string]any{"mobile": mobile, "phonecode": wrong, "password": "password-1"}).Expect(t, http.StatusOK, "4004")
	}
	// the fifth wrong try kills the code: even the right one is then gone
	post(map[string]any{"mobile": mobile, "phonecode": wrong, "password": "password-1"}).Expect(t, http.StatusOK, "4004")
	post(map[string]any{"mobile": mobile, "phonecode": code, "password": "password-1"}).Expect(t, http.StatusOK, "4002")

	app.Clock.Advance(61 * time.Second)
	code = smsCode(t, app, c, mobile)
	app.Clock.Advance(301 * time.Second)
	post(map[string]any{"mobile": mobile, "phonecode": code, "password": "password-1"}).Expect(t, http.StatusOK, "4002")

	code = smsCode(t, app, c, mobile)
	long := strings.Repeat("长", 72) // 216 bytes: more than bcrypt takes
	r := post(map[string]any{"mobile": mobile, "sms_code": code, "password": long, "password2": long}).OK(t)
	if r.Errmsg != "注册成功" {
		t.Fatalf("errmsg %q", r.Errmsg)
	}
	c.Get("/api/v1.0/session").OK(t)
	user, err := app.FindFirstRecordByFilter("users", "mobile = {:m}", dbx.Params{"m": mobile})
	if err != nil || user.GetString("name") != mobile || user.Id != "1" {
		t.Fatalf("user %v %v", user, err)
	}
	if n := app.Count("SELECT count(*) FROM sms_codes"); n != 0 {
		t.Fatalf("code not consumed: %d", n)
	}
	post(map[string]any{"mobile": mobile, "phonecode": code, "password": "password-1"}).Expect(t, http.StatusOK, "4003")

	fresh := app.Client()
	fresh.Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": long}).OK(t)
}

func TestLoginAndSession(t *testing.T) {
	app := apptest.New(t)
	user := app.CreateUser(apptest.Mobile(1))
	c := app.Client()

	c.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	c.Post("/api/v1.0/session", map[string]any{"mobile": "nope", "password": "x"}).Expect(t, http.StatusOK, "4103")
	c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1)}).Expect(t, http.StatusOK, "4103")
	wrong := c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": "wrong-pass"}).Expect(t, http.StatusOK, "4106")
	unknown := c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(9), "password": "wrong-pass"}).Expect(t, http.StatusOK, "4106")
	if wrong.Errmsg != "手机号或密码错误" || unknown.Errmsg != wrong.Errmsg {
		t.Fatalf("messages differ: %q %q", wrong.Errmsg, unknown.Errmsg)
	}

	r := c.Post("/api/v1.0/session", url.Values{"mobile": {apptest.Mobile(1)}, "password": {apptest.DefaultPassword}}).OK(t)
	var data struct {
		UserID int64  `json:"user_id"`
		Name   string `json:"name"`
		Token  string `json:"token"`
	}
	r.Decode(t, &data)
	if r.Errmsg != "登录成功" || fmt.Sprint(data.UserID) != user.Id || data.Name != apptest.Mobile(1) || data.Token == "" {
		t.Fatalf("login data %s", r.Body)
	}
	if !bytes.Contains(r.Data, []byte(`"user_id":`+user.Id+`,`)) {
		t.Fatalf("user_id is not a JSON integer: %s", r.Data)
	}
	var sessionCookie *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "session" {
			sessionCookie = ck
		}
	}
	if sessionCookie == nil || !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteLaxMode ||
		sessionCookie.Path != "/" || sessionCookie.Secure || sessionCookie.MaxAge != 7*24*3600 {
		t.Fatalf("session cookie %+v", sessionCookie)
	}

	state := c.Get("/api/v1.0/session").OK(t)
	if string(state.Data) != fmt.Sprintf(`{"user_id":%s,"name":"%s"}`, user.Id, apptest.Mobile(1)) {
		t.Fatalf("state %s", state.Data)
	}

	bearer := app.Client()
	bearer.Bearer = data.Token
	bearer.Get("/api/v1.0/session").OK(t)

	t.Run("logout revokes only this session", func(t *testing.T) {
		other := app.Login(apptest.Mobile(1))
		old := c.Cookie("session")
		csrfBefore := c.Cookie("csrf_token")
		c.Delete("/api/v1.0/session").OK(t)
		if c.Cookie("session") != "" || c.Cookie("csrf_token") != csrfBefore {
			t.Fatalf("after logout: session %q csrf %q", c.Cookie("session"), c.Cookie("csrf_token"))
		}
		replay := app.Client()
		replay.SetCookie("session", old)
		replay.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
		other.Get("/api/v1.0/session").OK(t)
		c.Delete("/api/v1.0/session").OK(t) // logging out twice is fine
	})

	t.Run("sessions expire", func(t *testing.T) {
		s := app.Login(apptest.Mobile(1))
		app.Clock.Advance(7*24*time.Hour + time.Second)
		s.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	})

	t.Run("forged tokens", func(t *testing.T) {
		f := app.Client()
		f.SetCookie("session", data.Token[:len(data.Token)-2]+"xx")
		f.Get("/api/v1.0/session").Expect(t, http.StatusOK, "4101")
	})
}

func TestLoginLockout(t *testing.T) {
	app := apptest.New(t)
	app.CreateUser(apptest.Mobile(1))
	app.CreateUser(apptest.Mobile(2))
	login := func(ip, mobile, password string) *apptest.Response {
		c := app.Client()
		c.IP = ip
		return c.Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": password})
	}

	t.Run("per mobile, across addresses", func(t *testing.T) {
		for i := range 5 {
			login(fmt.Sprintf("10.1.0.%d", i), apptest.Mobile(1), "wrong-pass").Expect(t, http.StatusOK, "4106")
		}
		login("10.1.0.50", apptest.Mobile(1), apptest.DefaultPassword).Expect(t, http.StatusOK, "4201")
		login("10.1.0.51", apptest.Mobile(2), apptest.DefaultPassword).OK(t) // others unaffected
		app.Clock.Advance(10*time.Minute + time.Second)
		login("10.1.0.50", apptest.Mobile(1), apptest.DefaultPassword).OK(t)
	})

	t.Run("per address, across mobiles", func(t *testing.T) {
		for i := range 5 {
			login("10.2.0.1", apptest.Mobile(20+i), "wrong-pass").Expect(t, http.StatusOK, "4106")
		}
		login("10.2.0.1", apptest.Mobile(2), apptest.DefaultPassword).Expect(t, http.StatusOK, "4201")
		login("10.2.0.2", apptest.Mobile(2), apptest.DefaultPassword).OK(t)
	})

	t.Run("malformed requests do not count, success resets", func(t *testing.T) {
		app.Clock.Advance(11 * time.Minute)
		for range 10 {
			login("10.3.0.1", "bad", "x").Expect(t, http.StatusOK, "4103")
		}
		for range 4 {
			login("10.3.0.1", apptest.Mobile(1), "wrong-pass").Expect(t, http.StatusOK, "4106")
		}
		login("10.3.0.1", apptest.Mobile(1), apptest.DefaultPassword).OK(t)
		for range 4 {
			login("10.3.0.2", apptest.Mobile(1), "wrong-pass").Expect(t, http.StatusOK, "4106")
		}
		login("10.3.0.2", apptest.Mobile(1), apptest.DefaultPassword).OK(t)
	})
}

func TestFullJourneyWithBearer(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	register(t, app, c, apptest.Mobile(7))
	c.Delete("/api/v1.0/session").OK(t)
	r := c.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(7), "password": "password-1"}).OK(t)
	var data struct{ Token string }
	r.Decode(t, &data)
	api := app.Client()
	api.Bearer = data.Token
	api.NoCSRF = true
	api.Get("/api/v1.0/session").OK(t)
}

func TestGenericRecordAPIIsClosedToGuestsAndUsers(t *testing.T) {
	app := apptest.New(t)
	app.CreateUser(apptest.Mobile(1))
	c := app.Client()
	smsCode(t, app, c, apptest.Mobile(5))
	user := app.Login(apptest.Mobile(1))
	for _, col := range []string{"users", "captchas", "sms_codes", "sms_outbox", "sessions"} {
		for _, who := range []*apptest.Client{app.Client(), user} {
			r := who.Get("/api/collections/" + col + "/records")
			if r.Status == http.StatusOK && !bytes.Contains(r.Body, []byte(`"items":[]`)) {
				t.Fatalf("%s listed: %s", col, r.Body)
			}
			if bytes.Contains(r.Body, []byte("1380000")) {
				t.Fatalf("%s leaks a mobile: %s", col, r.Body)
			}
		}
	}
	r := app.Client().Post("/api/collections/users/auth-with-password", map[string]any{"identity": apptest.Mobile(1), "password": apptest.DefaultPassword})
	if r.Status == http.StatusOK {
		t.Fatalf("generic password auth is open: %s", r.Body)
	}
}

type failingSMS struct{}

func (failingSMS) Send(context.Context, core.App, string, sms.Message) error {
	return errors.New("provider down")
}

func TestSMSProviderFailure(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Auth.SMS = failingSMS{} }))
	c := app.Client()
	code := captcha(t, app, c, "p1")
	c.Post("/api/v1.0/smscode/", map[string]any{"mobile": apptest.Mobile(1), "image_code_id": "p1", "image_code": code}).
		Expect(t, http.StatusOK, "4301")
}

func TestPurgeCron(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()
	captcha(t, app, c, "keep-me-not")
	smsCode(t, app, c, apptest.Mobile(1))
	app.CreateUser(apptest.Mobile(2))
	app.Login(apptest.Mobile(2))

	app.RunCron("ihome.auth.purge")
	if app.Count("SELECT count(*) FROM sessions") != 1 || app.Count("SELECT count(*) FROM sms_codes") != 1 {
		t.Fatal("purged live rows")
	}
	app.Clock.Advance(8 * 24 * time.Hour)
	app.RunCron("ihome.auth.purge")
	for _, table := range []string{"captchas", "sms_codes", "sms_outbox", "sessions"} {
		if n := app.Count("SELECT count(*) FROM " + table); n != 0 {
			t.Fatalf("%s: %d expired rows left", table, n)
		}
	}
}
