package modules_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/calendar"
	"ihome/modules/house"
	"ihome/modules/legacy"
	"ihome/modules/notify"
	"ihome/modules/payment"
)

// The actors of the authorization matrix.
type actor int

const (
	anon     actor = iota // not logged in
	stranger              // logged in, no relation to the house or the order
	landlord              // owner of the fixture house
	customer              // the guest who placed the fixture order
	nobody                // owner of secrets no actor may ever see
)

var actors = []actor{anon, stranger, landlord, customer}

func (a actor) String() string {
	return [...]string{"guest", "other user", "landlord", "guest of the order", "nobody"}[a]
}

// secret is a value that may appear only in answers to its owners.
type secret struct {
	what   string
	value  string
	owners []actor
	// word: match only with no letter or digit either side (short codes,
	// which could otherwise turn up by chance inside a token)
	word bool
}

// exchange is one recorded request and its answer.
type exchange struct {
	who   actor
	label string
	r     *apptest.Response
}

// world is the fixture of the matrix: a verified landlord with a house, a
// guest with a waiting order on it and a rejected one whose reason is
// private to the two of them, a stranger, and a login target.
type world struct {
	t       *testing.T
	app     *apptest.App
	users   map[actor]*core.Record
	tokens  map[actor]string // session cookie values
	target  *core.Record     // a user any actor may log in as
	house   *core.Record
	order   *core.Record // WAIT_ACCEPT, of customer
	secrets []secret
	log     []exchange
	days    int // next free day for a fresh one-day order
	cell    int
}

func newWorld(t *testing.T, opts ...apptest.Option) *world {
	t.Helper()
	app := apptest.New(t, opts...)
	cheapPasswords(t, app)
	w := &world{t: t, app: app, users: map[actor]*core.Record{}, tokens: map[actor]string{}, days: 3}
	for i, a := range []actor{stranger, landlord, customer} {
		u, c := app.NewUser(i + 1)
		w.users[a], w.tokens[a] = u, c.Cookie("session")
		w.secret("mobile", u.GetString("mobile"), false, a)
		w.secret("session token", w.tokens[a], false, a)
	}
	app.Verify(w.users[landlord], 1)
	w.secret("id card", w.users[landlord].GetString("id_card"), false, landlord)

	w.target = app.CreateUser(apptest.Mobile(9))
	w.target.Set("name", "login-target")
	if err := app.Save(w.target); err != nil {
		t.Fatal(err)
	}
	w.secret("mobile", w.target.GetString("mobile"), false)

	w.house = app.CreateHouse(w.users[landlord], map[string]any{"title": "矩阵测试房"})
	w.order = w.freshOrder("WAIT_ACCEPT")
	rejected := w.freshOrder("WAIT_ACCEPT")
	rejected.Set("status", "REJECTED")
	rejected.Set("comment", "reason-only-for-the-two-7f3a")
	if err := app.Save(rejected); err != nil {
		t.Fatal(err)
	}
	w.secret("another person's order", "reason-only-for-the-two-7f3a", false, landlord, customer)
	return w
}

func (w *world) secret(what, value string, word bool, owners ...actor) {
	if value == "" {
		w.t.Fatalf("empty secret %s", what)
	}
	w.secrets = append(w.secrets, secret{what: what, value: value, owners: owners, word: word})
}

// client returns a new client acting as a: anonymous, or carrying a's
// session cookie (its own jar, so a login in one cell cannot change who a
// is in the next).
func (w *world) client(a actor) *apptest.Client {
	c := w.app.Client()
	if a != anon {
		c.SetCookie("session", w.tokens[a])
	}
	c.IP = fmt.Sprintf("10.%d.%d.%d", 30+w.cell/250, w.cell%250, a+1)
	return c
}

// freshOrder saves a one-day order of customer on the fixture house, on a
// day no other order of the matrix uses.
func (w *world) freshOrder(status string) *core.Record {
	day := w.app.Today(w.days)
	w.days += 2
	return w.app.CreateOrder(w.house, w.users[customer], day, day, status)
}

// unverify undoes a real-name verification made by a cell.
func (w *world) unverify(a actor) {
	u, err := w.app.FindRecordById("users", w.users[a].Id)
	if err != nil {
		w.t.Fatal(err)
	}
	u.Set("real_name", "")
	u.Set("id_card", "")
	if err := w.app.Save(u); err != nil {
		w.t.Fatal(err)
	}
}

// route is one row of the matrix: a declared route (path as declared, its
// parameters filled in by do), a request that the right actor would make,
// and the errno each actor must get ("png" for the captcha picture).
type route struct {
	method, path, variant string
	want                  [4]string
	do                    func(w *world, a actor, c *apptest.Client) *apptest.Response
	after                 func(w *world, a actor)
}

// pathParam is a {name} of a declared path.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func (r route) key() string { return r.method + " " + r.path }

func (r route) String() string {
	if r.variant != "" {
		return r.key() + " (" + r.variant + ")"
	}
	return r.key()
}

const v1 = "/api/v1.0"

func get(url string) func(*world, actor, *apptest.Client) *apptest.Response {
	return func(w *world, _ actor, c *apptest.Client) *apptest.Response {
		return c.Get(v1 + strings.ReplaceAll(url, "{house_id}", w.house.Id))
	}
}

func validHouse() map[string]any {
	return map[string]any{
		"title": "矩阵新房", "price": "99.5", "area_id": 2, "address": "矩阵路2号",
		"room_count": 1, "acreage": 30, "unit": "一室", "capacity": 2, "beds": "单人床",
		"deposit": "0", "min_days": 1, "max_days": 0, "facility": []int{1, 2},
	}
}

var (
	loggedIn  = [4]string{"4101", "0", "0", "0"}
	everyone  = [4]string{"0", "0", "0", "0"}
	ownerOnly = [4]string{"4101", "4105", "0", "4105"}
)

// exportPath is the house's calendar feed path with its current token, as
// the landlord reads it; the token is the landlord's secret.
func exportPath(w *world) string {
	var feeds struct {
		ExportURL string `json:"export_url"`
	}
	w.app.Login(w.users[landlord].GetString("mobile")).Get(v1+"/houses/"+w.house.Id+"/calendar/feeds").OK(w.t).Decode(w.t, &feeds)
	u, err := url.Parse(feeds.ExportURL)
	if err != nil {
		w.t.Fatal(err)
	}
	w.secret("calendar token", u.Query().Get("token"), false, landlord)
	return u.RequestURI()
}

func matrix() []route {
	answer := func(action string) func(*world, actor, *apptest.Client) *apptest.Response {
		return func(w *world, _ actor, c *apptest.Client) *apptest.Response {
			o := w.freshOrder("WAIT_ACCEPT")
			return c.Put(v1+"/orders", map[string]any{"action": action, "order_id": o.Id, "reason": "满房"})
		}
	}
	smscode := func(path string) func(*world, actor, *apptest.Client) *apptest.Response {
		return func(w *world, _ actor, c *apptest.Client) *apptest.Response {
			key := fmt.Sprintf("authz-%d", w.cell)
			code := captcha(w.t, w.app, c, key)
			w.secret("captcha code", code, true)
			mobile := apptest.Mobile(100 + w.cell)
			w.secret("mobile", mobile, false)
			r := c.Post(v1+path, map[string]any{"mobile": mobile, "image_code_id": key, "image_code": code})
			if rec, err := w.app.FindFirstRecordByFilter("sms_codes", "mobile = {:m}", dbx.Params{"m": mobile}); err == nil {
				w.secret("sms code", rec.GetString("code"), true)
			}
			return r
		}
	}
	return []route{
		{method: "GET", path: "/imagecode", want: [4]string{"png", "png", "png", "png"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				key := fmt.Sprintf("authz-img-%d", w.cell)
				r := c.Get(v1 + "/imagecode?cur=" + key)
				if rec, err := w.app.FindFirstRecordByFilter("captchas", "key = {:k}", dbx.Params{"k": key}); err == nil {
					w.secret("captcha code", rec.GetString("code"), true)
				}
				return r
			}},
		{method: "POST", path: "/smscode", want: everyone, do: smscode("/smscode")},
		{method: "POST", path: "/smscode/", want: everyone, do: smscode("/smscode/")},
		{method: "POST", path: "/user", want: everyone,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				mobile := apptest.Mobile(300 + w.cell)
				code := fmt.Sprintf("%06d", 271828+w.cell*7919%700000)
				col, err := w.app.FindCollectionByNameOrId("sms_codes")
				if err != nil {
					w.t.Fatal(err)
				}
				rec := core.NewRecord(col)
				rec.Set("mobile", mobile)
				rec.Set("code", code)
				rec.Set("expires", w.app.Clock.Now().Add(5*time.Minute))
				if err := w.app.Save(rec); err != nil {
					w.t.Fatal(err)
				}
				w.secret("mobile", mobile, false)
				w.secret("sms code", code, true)
				return c.Post(v1+"/user", map[string]any{"mobile": mobile, "phonecode": code, "password": "matrix-pass-1"})
			}},
		{method: "POST", path: "/session", want: everyone,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/session", map[string]any{"mobile": w.target.GetString("mobile"), "password": apptest.DefaultPassword})
			}},
		{method: "GET", path: "/session", want: loggedIn, do: get("/session")},
		{method: "DELETE", path: "/session", want: everyone,
			do: func(w *world, a actor, c *apptest.Client) *apptest.Response {
				if a != anon { // a session of its own: logging out revokes it
					c = w.app.Login(w.users[a].GetString("mobile"))
				}
				return c.Delete(v1 + "/session")
			}},
		{method: "DELETE", path: "/sessions", want: loggedIn, do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
			return c.Delete(v1 + "/sessions")
		}, after: func(w *world, a actor) {
			if a != anon { // every session of a has ended: a logs in again for the next rows
				w.tokens[a] = w.app.Login(w.users[a].GetString("mobile")).Cookie("session")
				w.secret("session token", w.tokens[a], false, a)
			}
		}},

		{method: "GET", path: "/user", want: loggedIn, do: get("/user")},
		{method: "POST", path: "/user/name", want: loggedIn,
			do: func(w *world, a actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/user/name", map[string]any{"name": fmt.Sprintf("矩阵-%d-%d", w.cell, a)})
			}},
		{method: "PUT", path: "/user/name", want: loggedIn,
			do: func(w *world, a actor, c *apptest.Client) *apptest.Response {
				return c.Put(v1+"/user/name", map[string]any{"name": fmt.Sprintf("矩阵-%d-%d", w.cell, a)})
			}},
		{method: "POST", path: "/user/avatar", want: loggedIn,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Upload(v1+"/user/avatar", "avatar", "me.png", "image/png", apptest.PNG(w.t, 16, 16))
			}},
		{method: "GET", path: "/user/auth", want: loggedIn, do: get("/user/auth")},
		{method: "POST", path: "/user/auth", want: [4]string{"4101", "0", "4003", "0"},
			do: func(w *world, a actor, c *apptest.Client) *apptest.Response {
				id := apptest.FakeIDCard(100 + w.cell)
				w.secret("id card", id, false, a)
				return c.Post(v1+"/user/auth", map[string]any{"real_name": "矩阵用户", "id_card": id})
			},
			after: func(w *world, a actor) {
				if a == stranger || a == customer {
					w.unverify(a)
				}
			}},

		{method: "GET", path: "/areas", want: everyone, do: get("/areas")},
		{method: "GET", path: "/facilities", want: everyone, do: get("/facilities")},
		// the OpenAPI document itself, the same for all: not an envelope (no errno)
		{method: "GET", path: "/openapi.json", want: [4]string{"", "", "", ""}, do: get("/openapi.json")},
		{method: "GET", path: "/user/houses", want: loggedIn, do: get("/user/houses")},
		{method: "POST", path: "/houses", want: [4]string{"4101", "4105", "0", "4105"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/houses", validHouse())
			}},
		{method: "POST", path: "/houses/{house_id}/images", want: [4]string{"4101", "4105", "0", "4105"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Upload(v1+"/houses/"+w.house.Id+"/images", "house_image", "h.png", "image/png", apptest.PNG(w.t, 20, 10))
			}},
		{method: "GET", path: "/houses/index", want: everyone, do: get("/houses/index")},
		{method: "GET", path: "/houses/{house_id}", want: everyone, do: get("/houses/{house_id}")},
		{method: "GET", path: "/houses", want: everyone, do: get("/houses?sk=booking&p=1")},

		{method: "GET", path: "/houses/{house_id}/calendar", want: everyone, do: get("/houses/{house_id}/calendar")},
		{method: "PUT", path: "/houses/{house_id}/calendar", want: ownerOnly,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				day := w.app.Today(300)
				return c.Put(v1+"/houses/"+w.house.Id+"/calendar", map[string]any{"start_date": day, "end_date": day, "price": "120"})
			}},
		{method: "GET", path: "/houses/{house_id}/calendar.ics", want: [4]string{"ics", "ics", "ics", "ics"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Get(exportPath(w)) // public with the token
			}},
		{method: "GET", path: "/houses/{house_id}/calendar/feeds", want: ownerOnly, do: get("/houses/{house_id}/calendar/feeds")},
		{method: "POST", path: "/houses/{house_id}/calendar/feeds", want: ownerOnly,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				// a loopback feed: refused by the SSRF guard, recorded as last_error
				return c.Post(v1+"/houses/"+w.house.Id+"/calendar/feeds", map[string]any{"url": "http://127.0.0.1:9/cal.ics"})
			}},
		{method: "DELETE", path: "/houses/{house_id}/calendar/feeds", want: ownerOnly,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				col, err := w.app.FindCollectionByNameOrId(calendar.FeedsCollection)
				if err != nil {
					w.t.Fatal(err)
				}
				feed := core.NewRecord(col)
				feed.Set(calendar.FieldHouse, w.house.Id)
				feed.Set(calendar.FieldURL, "https://example.com/cal.ics")
				if err := w.app.Save(feed); err != nil {
					w.t.Fatal(err)
				}
				return c.Do(http.MethodDelete, v1+"/houses/"+w.house.Id+"/calendar/feeds", map[string]any{"id": feed.Id})
			}},
		{method: "POST", path: "/houses/{house_id}/calendar/feeds/token", want: ownerOnly,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/houses/"+w.house.Id+"/calendar/feeds/token", nil)
			}},

		{method: "POST", path: "/orders", want: [4]string{"4101", "0", "4105", "0"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				day := w.app.Today(w.days)
				w.days += 2
				return c.Post(v1+"/orders", map[string]any{"house_id": w.house.Id, "start_date": day, "end_date": day})
			}},
		{method: "GET", path: "/orders", variant: "custom", want: loggedIn, do: get("/orders?role=custom")},
		{method: "GET", path: "/orders", variant: "landlord", want: loggedIn, do: get("/orders?role=landlord")},
		{method: "PUT", path: "/orders", variant: "accept", want: [4]string{"4101", "4105", "0", "4105"}, do: answer("accept")},
		{method: "PUT", path: "/orders", variant: "reject", want: [4]string{"4101", "4105", "0", "4105"}, do: answer("reject")},
		{method: "PUT", path: "/orders", variant: "cancel", want: [4]string{"4101", "4105", "4105", "0"}, do: answer("cancel")},
		// payments are off here (--payment none): the routes answer 4004 to whom they would serve
		{method: "POST", path: "/orders/{order_id}/payment", want: [4]string{"4101", "4105", "4105", "4004"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/orders/"+w.freshOrder("WAIT_PAYMENT").Id+"/payment", nil)
			}},
		{method: "GET", path: "/orders/{order_id}/payment", want: [4]string{"4101", "4105", "4002", "4002"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Get(v1 + "/orders/" + w.order.Id + "/payment")
			}},
		{method: "PUT", path: "/orders/payment", want: [4]string{"4101", "4004", "4004", "4004"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Put(v1+"/orders/payment", map[string]any{"out_trade_no": "IH1_000000000000", "sign": "x"})
			}},
		{method: "POST", path: "/payments/alipay/notify", want: [4]string{"failure", "failure", "failure", "failure"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Post(v1+"/payments/alipay/notify", url.Values{"out_trade_no": {"IH1_000000000000"}, "sign": {"x"}})
			}},
		{method: "PUT", path: "/orders/comment", want: [4]string{"4101", "4105", "4105", "0"},
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				o := w.freshOrder("WAIT_COMMENT")
				return c.Put(v1+"/orders/comment", map[string]any{"order_id": o.Id, "comment": "住得不错"})
			}},

		{method: "GET", path: "/notifications", want: loggedIn, do: get("/notifications")},
		{method: "PUT", path: "/notifications/read", want: loggedIn,
			do: func(w *world, _ actor, c *apptest.Client) *apptest.Response {
				return c.Put(v1+"/notifications/read", map[string]any{"all": true})
			}},
	}
}

// TestAuthorizationMatrix sends every declared /api/v1.0 route as each
// actor and checks the errno; a route added without a row fails it. It
// runs under each --compat profile too (API.md §9): the contract's routes
// keep their authorization there, and an alias has no row of its own: it
// has its target's login rule and calls its target's action (api.Alias),
// so it is covered by the target's row.
func TestAuthorizationMatrix(t *testing.T) {
	for _, profile := range []string{legacy.None, legacy.Flask, legacy.GoCourse} {
		t.Run("compat "+profile, func(t *testing.T) { authorizationMatrix(t, profile) })
	}
}

func authorizationMatrix(t *testing.T, profile string) {
	w := newWorld(t, apptest.WithConfig(func(c *modules.Config) { c.Legacy = legacy.Config{Profile: profile} }))
	if profile != legacy.None {
		// docs/openapi.yaml describes --compat none; a profile's translated
		// answers (yuan, extra fields) are checked by modules/legacy
		w.app.Contract = nil
	}
	rows := matrix()

	t.Run("the table covers exactly the declared routes", func(t *testing.T) {
		declared := map[string]bool{}
		var aliases []api.Route
		for _, r := range w.app.API.Routes() {
			if r.AliasOf != "" {
				aliases = append(aliases, r)
				continue
			}
			declared[r.Method+" "+r.Path] = r.Login
		}
		covered := map[string]bool{}
		for _, row := range rows {
			login, ok := declared[row.key()]
			if !ok {
				t.Errorf("row %s: no such route", row)
				continue
			}
			covered[row.key()] = true
			if login && row.want[anon] != "4101" {
				t.Errorf("row %s: a login route, but the guest expects %s", row, row.want[anon])
			}
		}
		for k := range declared {
			if !covered[k] {
				t.Errorf("route %s has no row in the authorization matrix", k)
			}
		}
		for _, r := range aliases {
			if login, ok := declared[r.AliasOf]; !ok || !covered[r.AliasOf] || login != r.Login {
				t.Errorf("alias %s %s: its target %s has no row, or another login rule", r.Method, r.Path, r.AliasOf)
				continue
			}
			if !r.Login {
				continue
			}
			// over HTTP too: the guest is refused before any translation
			if got := w.client(anon).Do(r.Method, v1+pathParam.ReplaceAllString(r.Path, "1"), nil); got.Status != http.StatusOK || got.Errno != "4101" {
				t.Errorf("alias %s %s as guest: want errno 4101, got HTTP %d %s", r.Method, r.Path, got.Status, got.Body)
			}
		}
	})

	for _, row := range rows {
		for _, a := range actors {
			w.cell++
			r := row.do(w, a, w.client(a))
			w.log = append(w.log, exchange{who: a, label: row.String(), r: r})
			if row.after != nil {
				row.after(w, a)
			}
			want := row.want[a]
			switch {
			case want == "ics":
				if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
					t.Errorf("%s as %s: want the feed, got HTTP %d %s", row, a, r.Status, r.Body)
				}
			case want == "failure": // the provider's plain-text protocol (API.md §6.2)
				if r.Status != http.StatusOK || string(r.Body) != "failure" {
					t.Errorf("%s as %s: want the plain text failure, got HTTP %d %s", row, a, r.Status, r.Body)
				}
			case want == "png":
				if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
					t.Errorf("%s as %s: want the picture, got HTTP %d %s", row, a, r.Status, r.Body)
				}
			case r.Status != http.StatusOK || r.Errno != want:
				t.Errorf("%s as %s: want errno %s, got HTTP %d %s", row, a, want, r.Status, r.Body)
			}
		}
	}

	t.Run("no answer leaks", func(t *testing.T) { checkLeaks(t, w) })
	t.Run("no errmsg shows internals", func(t *testing.T) { checkErrmsgs(t, w.log) })
}

// checkLeaks fails t for every answer that contains a secret the asking
// actor does not own: mobiles, id cards, bcrypt hashes, token keys, codes,
// session tokens, other people's orders.
func checkLeaks(t *testing.T, w *world) {
	t.Helper()
	secrets := slices.Clone(w.secrets)
	var users []*core.Record
	if err := w.app.RecordQuery("users").All(&users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		secrets = append(secrets, secret{what: "tokenKey", value: u.TokenKey()})
	}
	secrets = append(secrets, secret{what: "password hash", value: "$2a$"})
	for _, ex := range w.log {
		if strings.HasPrefix(ex.r.Header.Get("Content-Type"), "image/") {
			continue // the captcha picture: binary, and checked by its own tests
		}
		seen := string(ex.r.Body)
		for k, vs := range ex.r.Header {
			seen += "\n" + k + ": " + strings.Join(vs, "; ")
		}
		for _, s := range secrets {
			if slices.Contains(s.owners, ex.who) || !contains(seen, s.value, s.word) {
				continue
			}
			t.Errorf("%s as %s: answer contains %s %q: %s", ex.label, ex.who, s.what, s.value, ex.r.Body)
		}
	}
}

func contains(text, value string, word bool) bool {
	if !word {
		return strings.Contains(text, value)
	}
	return regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(value) + `($|[^A-Za-z0-9])`).MatchString(text)
}

// internals are what an errmsg must never show: stack traces, source
// paths, SQL, panics.
var internals = regexp.MustCompile(`(?i)sql|select |insert |update |delete from|panic|goroutine|runtime\.|\.go\b|\.go:|/root/|/work/|/home/|\n\t`)

func checkErrmsgs(t *testing.T, log []exchange) {
	t.Helper()
	for _, ex := range log {
		if ct := ex.r.Header.Get("Content-Type"); strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "text/calendar") ||
			strings.HasPrefix(ct, "text/plain") || // the payment provider's protocol: success / failure
			ex.label == "GET /openapi.json" { // the OpenAPI document, read by tools as is

			continue
		}
		if ex.r.Errmsg == "" {
			t.Errorf("%s as %s: no errmsg: %s", ex.label, ex.who, ex.r.Body)
		}
		if internals.MatchString(ex.r.Errmsg) {
			t.Errorf("%s as %s: errmsg shows internals: %q", ex.label, ex.who, ex.r.Errmsg)
		}
	}
}

// collections are every collection of the schema, PocketBase's own
// _superusers included.
var collections = []string{"users", "areas", "facilities", "houses", "orders", "sessions", "captchas", "sms_codes", "sms_outbox", "_superusers",
	house.ImagesCollection, calendar.BlocksCollection, calendar.PricesCollection, calendar.FeedsCollection, calendar.TokensCollection,
	notify.Collection, notify.OutboxCollection, payment.Collection}

// TestGenericRecordAPIMatrix: PocketBase's generic record API
// (/api/collections/{c}/records) is closed to guests and to logged-in users
// for every collection and operation, however the user authenticates (our
// session cookie, or our session token as a bearer token: PocketBase's own
// auth tokens are never issued to them).
func TestGenericRecordAPIMatrix(t *testing.T) {
	w := newWorld(t)
	app := w.app

	// a row in every collection
	newSuperuser(t, app)
	owner := w.client(landlord)
	owner.Upload(v1+"/houses/"+w.house.Id+"/images", "house_image", "h.png", "image/png", apptest.PNG(t, 20, 10)).OK(t)
	cal := v1 + "/houses/" + w.house.Id + "/calendar"
	owner.Put(cal, map[string]any{"start_date": app.Today(200), "end_date": app.Today(201), "blocked": true, "price": "150"}).OK(t)
	owner.Post(cal+"/feeds", map[string]any{"url": "http://127.0.0.1:9/cal.ics"}).OK(t) // refused by the SSRF guard, but kept
	exportPath(w)
	payments, err := app.FindCollectionByNameOrId(payment.Collection)
	if err != nil {
		t.Fatal(err)
	}
	pay := core.NewRecord(payments) // payments are off here: a row as --payment alipay writes one
	for k, v := range map[string]any{payment.FieldOrder: w.order.Id, payment.FieldProvider: payment.ProviderAlipay,
		payment.FieldOutTradeNo: "IH" + w.order.Id + "_a1b2c3d4e5f6", payment.FieldAmount: w.order.GetInt("amount"),
		payment.FieldStatus: payment.Created, payment.FieldExpiresAt: app.Clock.Now()} {
		pay.Set(k, v)
	}
	if err := app.Save(pay); err != nil {
		t.Fatal(err)
	}
	sender := app.Client()
	code := captcha(t, app, sender, "generic-api-1")
	sender.Post(v1+"/smscode/", map[string]any{"mobile": apptest.Mobile(77), "image_code_id": "generic-api-1", "image_code": code}).OK(t)
	captcha(t, app, sender, "generic-api-2")
	for _, c := range []string{"captchas", "sms_codes"} {
		var rows []struct {
			Code string `db:"code"`
		}
		if err := app.DB().Select("code").From(c).All(&rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			w.secret(c+" code", r.Code, true)
		}
	}
	w.secret("mobile", apptest.Mobile(77), false)
	w.secret("superuser email", "staff@example.com", false)

	bearer := app.Client()
	bearer.Bearer, bearer.NoCSRF = w.tokens[customer], true
	clients := map[string]*apptest.Client{"bare": app.Client(), "session cookie": w.client(customer), "bearer": bearer}

	snapshot := func(c, id string) string {
		row := dbx.NullStringMap{}
		if err := app.DB().Select("*").From(c).Where(dbx.HashExp{"id": id}).One(&row); err != nil {
			return "missing: " + err.Error()
		}
		return fmt.Sprint(row)
	}
	denied := func(r *apptest.Response) bool { return r.Status >= 400 && r.Status < 500 }

	// the notification worker writes notify_outbox and sms_outbox in its
	// own time: send what is pending first, so that only the requests
	// below could change a row
	app.RunCron(notify.DeliverJobId)
	for _, c := range collections {
		var id string
		if err := app.DB().Select("id").From(c).Limit(1).Row(&id); err != nil {
			t.Fatalf("%s: no row to try: %v", c, err)
		}
		base := "/api/collections/" + c + "/records"
		for how, cl := range clients {
			label := func(op string) string { return fmt.Sprintf("%s %s as %s", op, c, how) }
			before, count := snapshot(c, id), app.Count("SELECT count(*) FROM "+c)
			record := func(op string, r *apptest.Response) *apptest.Response {
				w.log = append(w.log, exchange{who: anon, label: label(op), r: r})
				return r
			}

			r := record("list", cl.Get(base+"?perPage=500"))
			var page struct {
				Items      []any `json:"items"`
				TotalItems int   `json:"totalItems"`
			}
			if r.Status == http.StatusOK {
				_ = json.Unmarshal(r.Body, &page)
			}
			if !denied(r) && (r.Status != http.StatusOK || len(page.Items) != 0 || page.TotalItems != 0) {
				t.Errorf("%s: HTTP %d %s", label("list"), r.Status, r.Body)
			}
			if r := record("view", cl.Get(base+"/"+id)); !denied(r) {
				t.Errorf("%s: HTTP %d %s", label("view"), r.Status, r.Body)
			}
			body := map[string]any{"name": "x", "title": "x", "mobile": "13900000000", "code": "123456", "key": "k",
				"email": "x@example.com", "password": "password-123", "passwordConfirm": "password-123"}
			if r := record("create", cl.Post(base, body)); !denied(r) {
				t.Errorf("%s: HTTP %d %s", label("create"), r.Status, r.Body)
			}
			if r := record("update", cl.Do(http.MethodPatch, base+"/"+id, map[string]any{"name": "hacked", "status": "COMPLETE", "code": "000000"})); !denied(r) {
				t.Errorf("%s: HTTP %d %s", label("update"), r.Status, r.Body)
			}
			if r := record("delete", cl.Delete(base+"/"+id)); !denied(r) {
				t.Errorf("%s: HTTP %d %s", label("delete"), r.Status, r.Body)
			}
			if after := snapshot(c, id); after != before {
				t.Errorf("%s record %s changed:\n%s\n%s", c, id, before, after)
			}
			if n := app.Count("SELECT count(*) FROM " + c); n != count {
				t.Errorf("%s: %d rows, was %d", c, n, count)
			}
		}
	}

	// and the rest of PocketBase's staff API
	for how, cl := range clients {
		for _, ep := range []struct{ method, path string }{
			{"GET", "/api/collections"}, {"GET", "/api/collections/users"}, {"GET", "/api/settings"},
			{"GET", "/api/logs"}, {"GET", "/api/backups"}, {"POST", "/api/backups"}, {"GET", "/api/crons"},
			{"POST", "/api/files/token"}, {"POST", "/api/collections/users/auth-refresh"},
			{"POST", "/api/collections/users/request-password-reset"},
			{"POST", "/api/collections/_superusers/auth-with-password"},
		} {
			r := cl.Do(ep.method, ep.path, map[string]any{"email": "staff@example.com", "identity": "staff@example.com", "password": "wrong"})
			w.log = append(w.log, exchange{who: anon, label: ep.method + " " + ep.path + " as " + how, r: r})
			if r.Status == http.StatusOK && ep.path != "/api/collections/users/request-password-reset" {
				t.Errorf("%s %s as %s: HTTP %d %s", ep.method, ep.path, how, r.Status, r.Body)
			}
		}
	}
	if n := app.Count("SELECT count(*) FROM " + core.CollectionNameSuperusers); n != 1 {
		t.Fatalf("%d superusers", n)
	}

	t.Run("no answer leaks", func(t *testing.T) { checkLeaks(t, w) })
}
