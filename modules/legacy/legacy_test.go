package legacy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/auth"
	"ihome/modules/house"
	"ihome/modules/legacy"
	"ihome/modules/order"
	"ihome/modules/payment"
	"ihome/modules/user"
)

const v1 = "/api/v1.0"

// profile serves an app under the --compat profile name, with payments
// on (the fake Alipay gateway) for the payment rows of §9.1.
func profile(t *testing.T, name string) *apptest.App {
	t.Helper()
	gw := alipayfake.New(t)
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) {
		c.Legacy = legacy.Config{Profile: name}
		c.Payment = payment.Config{
			Provider: payment.ProviderAlipay,
			Timeout:  2 * time.Second,
			Alipay: payment.AlipayConfig{
				AppId: alipayfake.AppId, PrivateKey: gw.AppPrivateKey, PublicKey: gw.PublicKey, Gateway: gw.URL,
				NotifyURL: "https://ihome.example.com/api/v1.0/payments/alipay/notify",
				ReturnURL: "https://ihome.example.com/paycomplete.html",
			},
		}
	}))
	// docs/openapi.yaml describes --compat none; a profile answers in the
	// foreign pages' shapes (yuan, 4001, extra fields), which these tests
	// check field by field against API.md §9 instead.
	app.Contract = nil
	return app
}

// captchaCode reads the code of captcha key as staff would.
func captchaCode(t *testing.T, app *apptest.App, key string) string {
	t.Helper()
	rec, err := app.FindFirstRecordByFilter(auth.CaptchasCollection, "key = {:k}", dbx.Params{"k": key})
	if err != nil {
		t.Fatalf("captcha %s not stored: %v", key, err)
	}
	return rec.GetString("code")
}

func smsCodeOf(t *testing.T, app *apptest.App, mobile string) string {
	t.Helper()
	rec, err := app.FindFirstRecordByFilter(auth.SMSCodesCollection, "mobile = {:m}", dbx.Params{"m": mobile})
	if err != nil {
		t.Fatalf("no SMS code for %s: %v", mobile, err)
	}
	return rec.GetString("code")
}

func data(t *testing.T, r *apptest.Response) map[string]any {
	t.Helper()
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("data of %s: %v", r.Body, err)
	}
	return m
}

// upload sends a multipart body with the file field and extra form fields,
// the CSRF header spelled as these pages spell it.
func upload(t *testing.T, c *apptest.Client, app *apptest.App, path, field string, form map[string]string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, "p.png")
	fw.Write(apptest.PNG(t, 8, 8))
	for k, v := range form { // after the file: the alias must still find it
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+path, &buf)
	return c.Send(req, mw.FormDataContentType())
}

func TestFlaskProfile(t *testing.T) {
	app := profile(t, legacy.Flask)
	c := app.Client()
	mobile := apptest.Mobile(11)

	// §9.1 GET /image_codes/{id}, GET /sms_codes/{mobile}?image_code=&image_code_id=
	r := c.Get(v1 + "/image_codes/cap1")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("image_codes: %d %s", r.Status, r.Body)
	}
	c.Get(v1 + "/sms_codes/" + mobile + "?image_code=" + captchaCode(t, app, "cap1") + "&image_code_id=cap1").OK(t)
	c.Get(v1+"/sms_codes/"+mobile+"?image_code=XXXX&image_code_id=cap1").Expect(t, http.StatusOK, "4002") // single-use

	// POST /users {mobile, sms_code, password, password2}; POST /sessions
	c.Post(v1+"/users", map[string]any{"mobile": mobile, "sms_code": smsCodeOf(t, app, mobile), "password": "password-1", "password2": "password-1"}).OK(t)
	c = app.Client()
	if d := data(t, c.Post(v1+"/sessions", map[string]any{"mobile": mobile, "password": "password-1"}).OK(t)); d["user_id"] == nil {
		t.Fatalf("sessions: no user_id in %v", d)
	}

	// GET /user: data.avatar; POST /users/avatar
	up := data(t, upload(t, c, app, v1+"/users/avatar", "avatar", nil).OK(t))
	d := data(t, c.Get(v1+"/user").OK(t))
	if d["avatar"] != d["avatar_url"] || d["avatar"] != up["avatar_url"] || d["avatar"] == "" {
		t.Fatalf("user: avatar %v, avatar_url %v, uploaded %v", d["avatar"], d["avatar_url"], up["avatar_url"])
	}

	// PUT /users/name: taken → 4001 (X-CSRFTOKEN spelling)
	other, _ := app.NewUser(12)
	other.Set(auth.FieldName, "老王")
	if err := app.Save(other); err != nil {
		t.Fatal(err)
	}
	put := func(path string, body any) *apptest.Response {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPut, app.Server.URL+path, bytes.NewReader(raw))
		req.Header["X-CSRFTOKEN"] = []string{c.Cookie("csrf_token")}
		nc := *c
		nc.NoCSRF = true
		return nc.Send(req, "application/json")
	}
	put(v1+"/users/name", map[string]any{"name": "老王"}).Expect(t, http.StatusOK, "4001")
	put(v1+"/users/name", map[string]any{"name": "小李"}).OK(t)

	// GET, POST /users/auth
	c.Post(v1+"/users/auth", map[string]any{"real_name": "李四", "id_card": apptest.FakeIDCard(11)}).OK(t)
	if d := data(t, c.Get(v1+"/users/auth").OK(t)); d["real_name"] != "李四" {
		t.Fatalf("users/auth: %v", d)
	}

	// POST /houses/info: numbers as strings, facility as string ids
	hd := data(t, c.Post(v1+"/houses/info", map[string]any{
		"title": "老页面的房", "price": "88.5", "area_id": "1", "address": "某路1号", "room_count": "2",
		"acreage": "60", "unit": "两室一厅", "capacity": "3", "beds": "双人床", "deposit": "100",
		"min_days": "1", "max_days": "0", "facility": []string{"1", "3"},
	}).OK(t))
	hid := fmt.Sprint(hd["house_id"])
	det := data(t, c.Get(v1+"/houses/"+hid).OK(t))["house"].(map[string]any)
	if det["price"] != json.Number("8850") || fmt.Sprint(det["facilities"]) != "[1 3]" {
		t.Fatalf("published: price %v facilities %v", det["price"], det["facilities"])
	}

	// POST /houses/image: multipart with house_id as a form field
	im := data(t, upload(t, c, app, v1+"/houses/image", "house_image", map[string]string{"house_id": hid}).OK(t))
	if im["image_url"] != im["url"] || im["url"] == "" {
		t.Fatalf("houses/image: %v", im)
	}
	upload(t, c, app, v1+"/houses/image", "house_image", nil).Expect(t, http.StatusOK, "4103")

	// orders: GET /user/orders, PUT /orders/{id}/status, PUT /orders/{id}/comment
	h, err := app.FindRecordById(house.Collection, hid)
	if err != nil {
		t.Fatal(err)
	}
	guest, guestC := app.NewUser(13)
	o1 := app.CreateOrder(h, guest, app.Today(1), app.Today(2), order.WaitAccept)
	o2 := app.CreateOrder(h, guest, app.Today(4), app.Today(4), order.WaitAccept)
	if d := data(t, guestC.Get(v1+"/user/orders?role=custom").OK(t)); len(d["orders"].([]any)) != 2 {
		t.Fatalf("user/orders: %v", d)
	}
	put(v1+"/orders/"+o1.Id+"/status", map[string]any{"action": "accept"}).OK(t)
	put(v1+"/orders/"+o2.Id+"/status", map[string]any{"action": "reject", "reason": "装修"}).OK(t)
	status := func(id string) string {
		rec, err := app.FindRecordById(order.Collection, id)
		if err != nil {
			t.Fatal(err)
		}
		return rec.GetString(order.FieldStatus)
	}
	if s := status(o1.Id); s != order.WaitPayment {
		t.Fatalf("accepted order: %s", s)
	}
	if s := status(o2.Id); s != order.Rejected {
		t.Fatalf("rejected order: %s", s)
	}

	// POST /orders/{id}/payment (the contract's path) and PUT /order/payment
	if d := data(t, guestC.Post(v1+"/orders/"+o1.Id+"/payment", nil).OK(t)); d["pay_url"] == "" || d["pay_url"] == nil {
		t.Fatalf("payment: %v", d)
	}
	ret := url.Values{"out_trade_no": {"nope"}, "trade_no": {"1"}, "sign": {"x"}}
	want := guestC.Put(v1+"/orders/payment", ret)
	got := guestC.Put(v1+"/order/payment", ret)
	if got.Status != want.Status || got.Errno != want.Errno || got.Errno == "4002" {
		t.Fatalf("order/payment: %d %s, contract route %d %s", got.Status, got.Errno, want.Status, want.Errno)
	}

	// comment: the path's id wins over the body's
	o3 := app.CreateOrder(h, guest, app.Today(6), app.Today(6), order.WaitComment)
	guestC.Put(v1+"/orders/"+o3.Id+"/comment", map[string]any{"order_id": o2.Id, "comment": "很好"}).OK(t)
	if s := status(o3.Id); s != order.Complete {
		t.Fatalf("reviewed order: %s", s)
	}
}

func TestGoCourseProfile(t *testing.T) {
	app := profile(t, legacy.GoCourse)
	c := app.Client()
	mobile := apptest.Mobile(21)

	// GET /imagecode/{uuid}, GET /smscode/{mobile}?text=&id=, POST /users, POST /sessions
	r := c.Get(v1 + "/imagecode/cap2")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("imagecode: %d %s", r.Status, r.Body)
	}
	c.Get(v1 + "/smscode/" + mobile + "?text=" + captchaCode(t, app, "cap2") + "&id=cap2").OK(t)
	c.Post(v1+"/users", map[string]any{"mobile": mobile, "password": "password-1", "sms_code": smsCodeOf(t, app, mobile)}).OK(t)
	c = app.Client()
	c.Post(v1+"/sessions", map[string]any{"mobile": mobile, "password": "password-1"}).OK(t)
	if d := data(t, c.Get(v1+"/user").OK(t)); d["avatar"] != d["avatar_url"] {
		t.Fatalf("user: %v", d)
	}

	// PUT /user/name: taken → 4001
	other, _ := app.NewUser(22)
	other.Set(auth.FieldName, "老张")
	if err := app.Save(other); err != nil {
		t.Fatal(err)
	}
	c.Put(v1+"/user/name", map[string]any{"name": "老张"}).Expect(t, http.StatusOK, "4001")
	c.Put(v1+"/user/name", map[string]any{"name": "小赵"}).OK(t)

	// money in yuan: 8850 fen → 88.5
	me := data(t, c.Get(v1+"/user").OK(t))
	owner, err := app.FindRecordById(user.Collection, fmt.Sprint(me["user_id"]))
	if err != nil {
		t.Fatal(err)
	}
	app.Verify(owner, 21)
	hd := data(t, c.Post(v1+"/houses", map[string]any{
		"title": "课程页的房", "price": "88.5", "area_id": 1, "address": "某路2号", "room_count": 1,
		"acreage": 30, "unit": "一室", "capacity": 2, "beds": "单人床", "deposit": "0.29",
		"min_days": 1, "max_days": 0, "facility": []int{2},
	}).OK(t))
	hid := fmt.Sprint(hd["house_id"])
	upload(t, c, app, v1+"/houses/"+hid+"/images", "house_image", nil).OK(t)
	det := data(t, c.Get(v1+"/houses/"+hid).OK(t))["house"].(map[string]any)
	if det["price"] != json.Number("88.5") || det["deposit"] != json.Number("0.29") {
		t.Fatalf("detail: price %v deposit %v", det["price"], det["deposit"])
	}
	for _, path := range []string{"/houses", "/user/houses"} {
		l := data(t, c.Get(v1+path).OK(t))["houses"].([]any)
		if len(l) != 1 || l[0].(map[string]any)["price"] != json.Number("88.5") {
			t.Fatalf("%s: %v", path, l)
		}
	}
	if l, ok := data(t, c.Get(v1+"/house/index").OK(t))["houses"].([]any); !ok || len(l) != 1 {
		t.Fatalf("house/index: %s", c.Get(v1+"/house/index").Body)
	}

	// orders: amount in yuan, status and comment by the path's id
	h, err := app.FindRecordById(house.Collection, hid)
	if err != nil {
		t.Fatal(err)
	}
	guest, guestC := app.NewUser(23)
	o1 := app.CreateOrder(h, guest, app.Today(1), app.Today(2), order.WaitAccept)
	l := data(t, guestC.Get(v1+"/user/orders?role=custom").OK(t))["orders"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["amount"] != json.Number("177") {
		t.Fatalf("user/orders: %v", l)
	}
	c.Put(v1+"/orders/"+o1.Id+"/status", map[string]any{"action": "accept"}).OK(t)
	o2 := app.CreateOrder(h, guest, app.Today(5), app.Today(5), order.WaitComment)
	guestC.Put(v1+"/orders/"+o2.Id+"/comment", map[string]any{"comment": "干净"}).OK(t)

	// stray links: 302 to the same page under /home/, query kept
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{"/": "/home/", "/search.html?aid=1": "/home/search.html?aid=1", "/login/login.html": "/home/login/login.html"} {
		resp, err := nc.Get(app.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Errorf("%s: %d → %q, want 302 → %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

// TestNoProfileHasNoAliases: with --compat none every alias path is an
// unknown route (API.md §9.3).
func TestNoProfileHasNoAliases(t *testing.T) {
	app := apptest.New(t)
	_, c := app.NewUser(31)
	c = c.Malformed() // unknown routes on purpose
	for _, call := range [][2]string{
		{"GET", "/image_codes/x"}, {"GET", "/sms_codes/13800000031"}, {"POST", "/users"},
		{"PUT", "/users/name"}, {"POST", "/users/avatar"}, {"GET", "/users/auth"}, {"POST", "/users/auth"},
		{"GET", "/user/orders"}, {"PUT", "/orders/1/status"},
		{"PUT", "/orders/1/comment"}, {"PUT", "/order/payment"}, {"GET", "/house/index"}, {"GET", "/imagecode/x"},
		{"GET", "/smscode/13800000031"},
	} {
		if r := c.Do(call[0], v1+call[1], map[string]any{}); r.Status != http.StatusNotFound || r.Errno != "4002" {
			t.Errorf("%s %s: %d %s, want 404 4002", call[0], call[1], r.Status, r.Body)
		}
	}
	// where the contract has the path for another method (GET
	// /houses/{house_id}, DELETE /sessions) it is a wrong method (§1.1),
	// and the message names it
	for _, path := range []string{"/houses/info", "/houses/image", "/sessions"} {
		r := c.Post(v1+path, map[string]any{}).Expect(t, http.StatusMethodNotAllowed, "4103")
		if r.Errmsg != "参数错误: method" {
			t.Errorf("POST %s: errmsg %q", path, r.Errmsg)
		}
	}
}

// TestRoutingBeforeCSRFAndExactSMSPath: the faults of issue 18 item 3,
// with no profile.
func TestRoutingBeforeCSRFAndExactSMSPath(t *testing.T) {
	app := apptest.New(t)
	c := app.Client().Malformed()
	c.Get(v1 + "/session") // a csrf_token cookie, not echoed below
	// a trailing-slash route is that path only
	c.Post(v1+"/smscode/anything", map[string]any{"mobile": apptest.Mobile(41)}).Expect(t, http.StatusNotFound, "4002")
	c.Get(v1+"/smscode/"+apptest.Mobile(41)).Expect(t, http.StatusNotFound, "4002")
	// routing answers before the CSRF check: 404 for an unknown path
	nc := *c
	nc.NoCSRF = true
	nc.Put(v1+"/no/such/route", map[string]any{}).Expect(t, http.StatusNotFound, "4002")
	// a known route still wants the header
	nc.Put(v1+"/user/name", map[string]any{"name": "x"}).Expect(t, http.StatusForbidden, "4201")
}
