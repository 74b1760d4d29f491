package modules_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

// FuzzUnsafeRoutes posts arbitrary bytes, as a JSON body and as a form
// body, to every unsafe /api/v1.0 route (taken from the route table, so a
// new route is fuzzed too), as a logged-in, verified landlord: every answer
// must be an envelope with an HTTP status below 500. One app serves every
// input.
func FuzzUnsafeRoutes(f *testing.F) {
	app := apptest.New(f)
	cheapPasswords(f, app)
	owner := app.CreateUser(apptest.Mobile(1))
	app.Verify(owner, 1)
	h := app.CreateHouse(owner, nil)
	app.CreateOrder(h, app.CreateUser(apptest.Mobile(2)), app.Today(1), app.Today(1), "WAIT_ACCEPT")
	landlordC := app.Login(apptest.Mobile(1))

	type target struct{ method, path string }
	var targets []target
	for _, r := range app.API.Routes() {
		if r.Method != http.MethodGet && !r.Callback { // a provider's callback answers in its own protocol (payment tests)
			targets = append(targets, target{r.Method, "/api/v1.0" + strings.ReplaceAll(r.Path, "{house_id}", h.Id)})
		}
	}
	if len(targets) < 10 {
		f.Fatalf("only %d unsafe routes", len(targets))
	}

	// Every seed body goes to every route, both ways; the fuzzer then picks
	// the route too. One request an input keeps the fuzzer (and its
	// minimizer) fast.
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `0`, `"x"`, `{`, `{"a":1}{`, strings.Repeat("[", 300), strings.Repeat(`{"a":`, 200),
		"{\"name\":\"\xff\xfe\"}", `{"name":"\u0000"}`, `{"name":"\ud800"}`,
		`{"mobile":"13800000001","password":"secret-pass-1"}`,
		`{"mobile":"13800000009","image_code_id":"k","image_code":"ABCD"}`,
		`{"mobile":"13800000009","phonecode":"123456","password":"password-1","password2":"x"}`,
		`{"name":"' OR 1=1 --"}`, `{"real_name":"张三","id_card":"11010519491231002X"}`,
		`{"title":"t","price":"1e400","area_id":1e400,"address":"a","room_count":-1,"acreage":"x","unit":"u",` +
			`"capacity":[],"beds":{},"deposit":null,"min_days":1,"max_days":0,"facility":[1,"2",{"x":1}]}`,
		`{"house_id":"1","start_date":"2024-02-30","end_date":"9999-99-99"}`,
		`{"action":"reject","order_id":1,"reason":"` + strings.Repeat("长", 201) + `"}`,
		`{"order_id":9223372036854775807,"comment":""}`, `{"order_id":"0x1p1","action":"cancel"}`,
		`mobile=13800000001&password=x&password=y`, `facility[]=1&facility=2&title=%00`, `%zz&=&&`, `a=%FF%FE`,
	} {
		for i := range targets {
			f.Add(uint8(i), false, []byte(s))
			f.Add(uint8(i), true, []byte(s))
		}
	}

	f.Fuzz(func(t *testing.T, route uint8, form bool, body []byte) {
		tg := targets[int(route)%len(targets)]
		c := landlordC.For(t).Malformed() // arbitrary bodies: the answers are checked, not the requests
		if tg.method == http.MethodDelete {
			c = app.Client().For(t).Malformed() // logging out would end the fuzz session
		}
		ct := "application/json"
		if form {
			ct = "application/x-www-form-urlencoded"
		}
		req, err := http.NewRequest(tg.method, app.Server.URL+tg.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r := c.Send(req, ct)
		if r.Status == http.StatusForbidden || r.Errno == "4101" && tg.method != http.MethodDelete {
			t.Fatalf("%s %s: HTTP %d %s: the fuzz client lost its session or CSRF cookie", tg.method, tg.path, r.Status, r.Body)
		}
		if r.Status >= 500 || !isEnvelope(r) {
			t.Fatalf("%s %s (%s): HTTP %d %s", tg.method, tg.path, ct, r.Status, r.Body)
		}
	})
}
