package legacy_test

// Hostile and newcomer requests against the --compat aliases (API.md §9):
// an alias must answer a bad request exactly as the contract's route it
// maps to (§9: "no second copy of any rule"; §9.3: unknown paths, methods
// and bodies as §1.1), keep its target's login and CSRF rules, and convert
// every amount of money, and only money, under gocourse.

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihome/internal/apptest"
	"ihome/modules/legacy"
	"ihome/modules/order"
)

var profiles = []string{legacy.Flask, legacy.GoCourse}

// send sends body as is with contentType ("" = none).
func send(t *testing.T, c *apptest.Client, app *apptest.App, method, path, contentType string, body []byte) *apptest.Response {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd == nil {
		req, err = http.NewRequest(method, app.Server.URL+path, nil)
	} else {
		req, err = http.NewRequest(method, app.Server.URL+path, rd)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Send(req, contentType)
}

// noLeak fails when an answer is a 500 or shows Go internals.
func noLeak(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.Status >= 500 || r.Errno == "4500" {
		t.Errorf("%s: server fault for a client mistake: %d %s", what, r.Status, r.Body)
	}
	for _, s := range []string{"goroutine", "panic", ".go:", "runtime error", "sql:", "SELECT"} {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("%s: answer leaks %q: %s", what, s, r.Body)
		}
	}
}

// sameAnswer fails unless the alias answered as its target (status,
// errno and the field errmsg names).
func sameAnswer(t *testing.T, what string, alias, target *apptest.Response) {
	t.Helper()
	sameErrno(t, what, alias, target)
	if alias.Errmsg != target.Errmsg {
		t.Errorf("%s: alias says %q, target %q", what, alias.Errmsg, target.Errmsg)
	}
}

// sameErrno is sameAnswer when the two requests differ in a field the
// alias adds (errmsg may then name another missing field).
func sameErrno(t *testing.T, what string, alias, target *apptest.Response) {
	t.Helper()
	noLeak(t, what+" (alias)", alias)
	noLeak(t, what+" (target)", target)
	if alias.Status != target.Status || alias.Errno != target.Errno {
		t.Errorf("%s: alias %d %s %q, target %d %s %q", what,
			alias.Status, alias.Errno, alias.Errmsg, target.Status, target.Errno, target.Errmsg)
	}
}

// orderFixture is a house of a landlord and orders of a guest on it, in
// the status given, on disjoint stays.
type orderFixture struct {
	app             *apptest.App
	landlord, guest *apptest.Client
	house           string
	waitAccept      []string
	waitComment     []string
}

func newOrders(t *testing.T, name string, accept, comment int) *orderFixture {
	t.Helper()
	app := profile(t, name)
	owner, lc := app.NewUser(101)
	guest, gc := app.NewUser(102)
	h := app.CreateHouse(owner, nil)
	f := &orderFixture{app: app, landlord: lc, guest: gc, house: h.Id}
	day := 1
	for range accept {
		f.waitAccept = append(f.waitAccept, app.CreateOrder(h, guest, app.Today(day), app.Today(day), order.WaitAccept).Id)
		day += 2
	}
	for range comment {
		f.waitComment = append(f.waitComment, app.CreateOrder(h, guest, app.Today(day), app.Today(day), order.WaitComment).Id)
		day += 2
	}
	return f
}

// TestAttackOrderAliasBodies: PUT /orders/{id}/status and /comment read
// the body (to add the path's id) before the contract's action: every bad
// body must be answered as PUT /orders and PUT /orders/comment answer it.
func TestAttackOrderAliasBodies(t *testing.T) {
	for _, p := range profiles {
		t.Run(p, func(t *testing.T) {
			f := newOrders(t, p, 1, 1)
			app := f.app
			lc, gc := f.landlord.Malformed(), f.guest.Malformed()
			acc, com := f.waitAccept[0], f.waitComment[0]
			cases := []struct {
				name, ctype string
				status      []byte // body for the status alias / PUT /orders (order_id added for the target)
				comment     []byte
			}{
				{"json null", "application/json", []byte(`null`), []byte(`null`)},
				{"json array", "application/json", []byte(`[1,2]`), []byte(`["x"]`)},
				{"json string", "application/json", []byte(`"accept"`), []byte(`"好"`)},
				{"malformed json", "application/json", []byte(`{"action":`), []byte(`{"comment":`)},
				{"two objects", "application/json", []byte(`{"action":"x"} {"a":1}`), []byte(`{"comment":"x"} {}`)},
				{"not utf-8 in json", "application/json", []byte("{\"action\":\"reject\",\"reason\":\"\xff\xfe\"}"), []byte("{\"comment\":\"\xff\xfe好\"}")},
				{"not utf-8 in form", "application/x-www-form-urlencoded", []byte("action=reject&reason=%FF%FE"), []byte("comment=%FF%FE%E5%A5%BD")},
				{"bad form escape", "application/x-www-form-urlencoded", []byte("action=%zz"), []byte("comment=%zz")},
				{"form with [] suffix", "application/x-www-form-urlencoded", []byte("action[]=x"), []byte("comment[]=")},
				{"multipart", "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nx\r\n--XX--\r\n"),
					[]byte("--XX\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n\r\n--XX--\r\n")},
				{"text/plain", "text/plain", []byte(`{"action":"x"}`), []byte(`{"comment":""}`)},
				{"no content type", "", []byte(`{"action":"x"}`), []byte(`{"comment":""}`)},
			}
			for _, tc := range cases {
				// the target gets order_id in the form the body has
				withId := func(b []byte, id string) []byte {
					switch {
					case strings.HasPrefix(tc.ctype, "application/x-www"):
						return append([]byte("order_id="+id+"&"), b...)
					case bytes.HasPrefix(b, []byte(`{"`)):
						return append([]byte(`{"order_id":"`+id+`",`), b[1:]...)
					}
					return b // not an object: the target refuses the body as is
				}
				same := sameAnswer
				if tc.name == "json null" { // the alias adds order_id to no fields
					same = sameErrno
				}
				a := send(t, lc, app, http.MethodPut, v1+"/orders/"+acc+"/status", tc.ctype, tc.status)
				tg := send(t, lc, app, http.MethodPut, v1+"/orders", tc.ctype, withId(tc.status, acc))
				same(t, tc.name+": status", a, tg)
				a = send(t, gc, app, http.MethodPut, v1+"/orders/"+com+"/comment", tc.ctype, tc.comment)
				tg = send(t, gc, app, http.MethodPut, v1+"/orders/comment", tc.ctype, withId(tc.comment, com))
				same(t, tc.name+": comment", a, tg)
			}
			// none of the bad bodies changed an order
			for _, id := range []string{acc, com} {
				rec, err := app.FindRecordById(order.Collection, id)
				if err != nil {
					t.Fatal(err)
				}
				if s := rec.GetString(order.FieldStatus); s != order.WaitAccept && s != order.WaitComment {
					t.Errorf("order %s changed by a refused body: %s", id, s)
				}
			}
		})
	}
}

// TestAttackOrderAliasPathIds: the path's id is the order_id; junk there
// is answered as that junk in order_id is by the target.
func TestAttackOrderAliasPathIds(t *testing.T) {
	for _, p := range profiles {
		t.Run(p, func(t *testing.T) {
			f := newOrders(t, p, 1, 0)
			lc := f.landlord.Malformed()
			for _, id := range []string{"abc", "-1", "0", "1.5", "99999999999999999999", "1e3", "%20" + f.waitAccept[0], "%00", "%E5%A5%BD"} {
				a := lc.Put(v1+"/orders/"+id+"/status", map[string]any{"action": "xx"})
				raw, _ := url.PathUnescape(id)
				tg := lc.Put(v1+"/orders", map[string]any{"action": "xx", "order_id": raw})
				sameAnswer(t, "order id "+id, a, tg)
			}
			// an encoded slash is one path segment, not a sub-path
			a := lc.Put(v1+"/orders/1%2F2/status", map[string]any{"action": "accept"})
			noLeak(t, "encoded slash", a)
			if a.Errno == "0" {
				t.Errorf("order id 1/2 accepted: %s", a.Body)
			}
		})
	}
}

// TestAttackTooLargeBodies: an alias's body is capped like its target's
// (64 KiB for JSON, the picture cap for uploads): 413 4103, never 500,
// with or without a Content-Length.
func TestAttackTooLargeBodies(t *testing.T) {
	for _, p := range profiles {
		t.Run(p, func(t *testing.T) {
			f := newOrders(t, p, 1, 1)
			app := f.app
			big := []byte(`{"action":"accept","reason":"` + strings.Repeat("a", 70<<10) + `"}`)
			for _, path := range []string{"/orders/" + f.waitAccept[0] + "/status", "/orders/" + f.waitComment[0] + "/comment"} {
				for _, chunked := range []bool{false, true} {
					req, _ := http.NewRequest(http.MethodPut, app.Server.URL+v1+path, bytes.NewReader(big))
					if chunked {
						req.ContentLength = -1
						req.Body = readerOnly{bytes.NewReader(big)}
					}
					r := f.landlord.Malformed().Send(req, "application/json")
					if r.Status != http.StatusRequestEntityTooLarge || r.Errno != "4103" {
						t.Errorf("%s (chunked %v): %d %s, want 413 4103", path, chunked, r.Status, r.Body)
					}
				}
			}
			if p != legacy.Flask {
				return
			}
			// POST /houses/image: 10 MiB + 64 KiB, house_id after the file
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("house_image", "p.png")
			fw.Write(bytes.Repeat([]byte{0}, 10<<20+70<<10))
			mw.WriteField("house_id", f.house)
			mw.Close()
			for _, chunked := range []bool{false, true} {
				req, _ := http.NewRequest(http.MethodPost, app.Server.URL+v1+"/houses/image", bytes.NewReader(buf.Bytes()))
				if chunked {
					req.ContentLength = -1
					req.Body = readerOnly{bytes.NewReader(buf.Bytes())}
				}
				r := f.landlord.Malformed().Send(req, mw.FormDataContentType())
				if r.Status != http.StatusRequestEntityTooLarge || r.Errno != "4103" {
					t.Errorf("houses/image (chunked %v): %d %s, want 413 4103", chunked, r.Status, r.Body)
				}
			}
		})
	}
}

// readerOnly hides bytes.Reader's Len so that the request is sent chunked.
type readerOnly struct{ r *bytes.Reader }

func (r readerOnly) Read(b []byte) (int, error) { return r.r.Read(b) }
func (r readerOnly) Close() error               { return nil }

// TestAttackHouseImageForm: POST /houses/image takes house_id from the
// form; whatever is there is answered as the same value in the target's
// path would be.
func TestAttackHouseImageForm(t *testing.T) {
	app := profile(t, legacy.Flask)
	owner, c := app.NewUser(111)
	h := app.CreateHouse(owner, nil)
	c = c.Malformed()
	png := apptest.PNG(t, 8, 8)
	post := func(path string, fields [][2]string, fileFirst bool) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		file := func() {
			fw, _ := mw.CreateFormFile("house_image", "p.png")
			fw.Write(png)
		}
		if fileFirst {
			file()
		}
		for _, kv := range fields {
			mw.WriteField(kv[0], kv[1])
		}
		if !fileFirst {
			file()
		}
		mw.Close()
		return send(t, c, app, http.MethodPost, v1+path, mw.FormDataContentType(), buf.Bytes())
	}
	for _, id := range []string{"abc", "-1", "0", "../" + h.Id, h.Id + "/../" + h.Id, "99999999999999999999", h.Id + ".0",
		h.Id + strings.Repeat(" ", 64) + "x", h.Id + strings.Repeat("0", 70)} {
		a := post("/houses/image", [][2]string{{"house_id", id}}, true)
		tg := post("/houses/"+url.PathEscape(id)+"/images", nil, true)
		sameAnswer(t, fmt.Sprintf("house_id %q", id), a, tg)
	}
	// no house_id, an empty one, one sent as a file
	for name, fields := range map[string][][2]string{"none": nil, "empty": {{"house_id", ""}}} {
		r := post("/houses/image", fields, false)
		noLeak(t, name, r)
		if r.Errno == "0" {
			t.Errorf("house_id %s: accepted", name)
		}
	}
	// multipart without a boundary, a form body, JSON: refused, no fault
	for _, ct := range []string{"multipart/form-data", "application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary="} {
		r := send(t, c, app, http.MethodPost, v1+"/houses/image", ct, []byte("house_id="+h.Id))
		noLeak(t, ct, r)
		if r.Status != http.StatusOK || r.Errno != "4103" {
			t.Errorf("%s: %d %s, want 200 4103", ct, r.Status, r.Body)
		}
	}
	if n := app.Count("SELECT COUNT(*) FROM house_images"); n != 0 {
		t.Errorf("%d pictures stored by refused requests", n)
	}
}

func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32())
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttackUploadAliasesKeepTheUploadCap: the upload aliases take their
// target's cap (§2.9, §3.4), not the 64 KiB JSON cap, and house_id may
// come after a large file; sent twice, the first is the one, and a picture
// never lands on a house that is not the uploader's.
func TestAttackUploadAliasesKeepTheUploadCap(t *testing.T) {
	app := profile(t, legacy.Flask)
	owner, c := app.NewUser(161)
	other, _ := app.NewUser(162)
	mine := app.CreateHouse(owner, nil)
	theirs := app.CreateHouse(other, nil)
	pic := noisePNG(t, 200, 200)
	if len(pic) < 100<<10 {
		t.Fatalf("test picture only %d bytes", len(pic))
	}
	post := func(path, field string, fields ...[2]string) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile(field, "p.png")
		fw.Write(pic)
		for _, kv := range fields {
			mw.WriteField(kv[0], kv[1])
		}
		mw.Close()
		return send(t, c, app, http.MethodPost, v1+path, mw.FormDataContentType(), buf.Bytes())
	}
	post("/users/avatar", "avatar").OK(t)
	post("/houses/image", "house_image", [2]string{"house_id", mine.Id}).OK(t)
	post("/houses/image", "house_image", [2]string{"house_id", mine.Id}, [2]string{"house_id", theirs.Id}).OK(t)
	post("/houses/image", "house_image", [2]string{"house_id", theirs.Id}, [2]string{"house_id", mine.Id}).Expect(t, http.StatusOK, "4105")
	if n := app.Count("SELECT COUNT(*) FROM house_images WHERE house = '" + theirs.Id + "'"); n != 0 {
		t.Errorf("%d pictures on another's house", n)
	}
	if n := app.Count("SELECT COUNT(*) FROM house_images WHERE house = '" + mine.Id + "'"); n != 2 {
		t.Errorf("%d pictures on the uploader's house, want 2", n)
	}
}
