package modules_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"ihome/internal/apptest"
	"ihome/modules/calendar"
	"ihome/modules/house"
	"ihome/modules/notify"
)

// TestBackupRestoresEverything takes a backup through PocketBase's backup
// API as staff would (superuser token, POST /api/backups, file token,
// download), unzips it into a fresh data dir, opens a new app on it, and
// finds the same users, houses with their picture files, orders, sessions
// and id counters.
func TestBackupRestoresEverything(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)

	// the data: a landlord with an avatar and a house with two pictures, a
	// guest with a waiting and a reviewed order, a user who signed up
	// through the API
	landlord, lc := app.NewUser(1)
	app.Verify(landlord, 1)
	lc.Upload("/api/v1.0/user/avatar", "avatar", "me.png", "image/png", apptest.PNG(t, 30, 30)).OK(t)
	var created struct {
		HouseId int64 `json:"house_id"`
	}
	lc.Post("/api/v1.0/houses", validHouse()).OK(t).Decode(t, &created)
	houseId := fmt.Sprint(created.HouseId)
	for i := range 2 {
		lc.Upload("/api/v1.0/houses/"+houseId+"/images", "house_image", "p.png", "image/png", apptest.PNG(t, 40+i, 30)).OK(t)
	}
	// the host calendar: blocked days, a price override, the export token
	lc.Put("/api/v1.0/houses/"+houseId+"/calendar", map[string]any{"start_date": app.Today(20), "end_date": app.Today(22), "blocked": true}).OK(t)
	lc.Put("/api/v1.0/houses/"+houseId+"/calendar", map[string]any{"start_date": app.Today(30), "end_date": app.Today(30), "price": "450.5"}).OK(t)
	lc.Get("/api/v1.0/houses/" + houseId + "/calendar/feeds").OK(t)
	_, gc := app.NewUser(2)
	gc.Post("/api/v1.0/orders", map[string]any{"house_id": houseId, "start_date": app.Today(1), "end_date": app.Today(2)}).OK(t)
	h, err := app.FindRecordById("houses", houseId)
	if err != nil {
		t.Fatal(err)
	}
	guest, _ := app.FindFirstRecordByFilter("users", "mobile = {:m}", dbx.Params{"m": apptest.Mobile(2)})
	done := app.CreateOrder(h, guest, app.Today(10), app.Today(11), "WAIT_COMMENT")
	gc.Put("/api/v1.0/orders/comment", map[string]any{"order_id": done.Id, "comment": "干净整洁"}).OK(t)
	register(t, app, app.Client(), apptest.Mobile(3), "signed-up-pass-1")

	// staff take a backup over HTTP
	su := newSuperuser(t, app)
	token, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	sc := app.Client()
	sc.Bearer, sc.NoCSRF = token, true
	if r := sc.Post("/api/backups", map[string]any{"name": "ihome_test.zip"}); r.Status != http.StatusNoContent {
		t.Fatalf("create backup: HTTP %d %s", r.Status, r.Body)
	}
	var list []struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	}
	// (a JSON array, which apptest's envelope client does not decode)
	req, _ := http.NewRequest(http.MethodGet, app.Server.URL+"/api/backups", nil)
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &list) != nil || len(list) != 1 || list[0].Key != "ihome_test.zip" {
		t.Fatalf("backups: HTTP %d %s", res.StatusCode, raw)
	}
	r := sc.Post("/api/files/token", nil)
	var ft struct {
		Token string `json:"token"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &ft) != nil || ft.Token == "" {
		t.Fatalf("file token: HTTP %d %s", r.Status, r.Body)
	}
	if r := app.Client().Get("/api/backups/ihome_test.zip"); r.Status != http.StatusForbidden {
		t.Fatalf("backup downloadable without a token: HTTP %d", r.Status)
	}
	dl := app.Client().Get("/api/backups/ihome_test.zip?token=" + ft.Token)
	if dl.Status != http.StatusOK || int64(len(dl.Body)) != list[0].Size {
		t.Fatalf("download: HTTP %d, %d bytes of %d", dl.Status, len(dl.Body), list[0].Size)
	}

	// restore into a fresh data dir, opened by a new app
	dir := t.TempDir()
	unzip(t, dl.Body, dir)
	restored := apptest.Open(t, dir)

	for _, table := range []string{"users", "areas", "facilities", "houses", house.ImagesCollection, "orders", "sessions", "_ihome_sequences",
		calendar.BlocksCollection, calendar.PricesCollection, calendar.TokensCollection, notify.Collection, notify.OutboxCollection} {
		if a, b := dump(t, app, table), dump(t, restored, table); a != b {
			t.Errorf("%s differs after restore:\n%s\n---\n%s", table, a, b)
		}
	}
	if n := restored.Count("SELECT count(*) FROM users"); n != 3 {
		t.Errorf("%d users restored", n)
	}

	// every stored file is there, byte for byte, and served
	if restored.DataDir() == app.DataDir() {
		t.Fatal("the restored app shares the data dir")
	}
	u, _ := app.FindRecordById("users", landlord.Id)
	files := []string{"/api/files/users/" + u.Id + "/" + u.GetString("avatar")}
	h, _ = app.FindRecordById("houses", houseId)
	pictures, err := house.ImageURLs(app, h.Id)
	if err != nil || len(pictures) != 2 {
		t.Fatalf("pictures %v %v", pictures, err)
	}
	files = append(files, pictures...)
	for _, path := range files {
		was := app.Client().Get(path)
		now := restored.Client().Get(path)
		if was.Status != http.StatusOK || now.Status != http.StatusOK || !bytes.Equal(was.Body, now.Body) {
			t.Errorf("%s: HTTP %d (%d bytes) before, HTTP %d (%d bytes) after", path, was.Status, len(was.Body), now.Status, len(now.Body))
		}
	}

	// the API tells the same story, and sessions survive (their key is in the data dir)
	for _, c := range []*apptest.Client{gc, lc} {
		moved := restored.Client()
		moved.SetCookie("session", c.Cookie("session"))
		for _, path := range []string{"/api/v1.0/user", "/api/v1.0/orders?role=custom", "/api/v1.0/orders?role=landlord", "/api/v1.0/user/houses", "/api/v1.0/houses/" + houseId,
			"/api/v1.0/houses/" + houseId + "/calendar", "/api/v1.0/notifications"} {
			was, now := c.Get(path).OK(t), moved.Get(path).OK(t)
			if !bytes.Equal(was.Data, now.Data) {
				t.Errorf("GET %s:\n%s\n%s", path, was.Data, now.Data)
			}
		}
	}
	feeds := restored.Client()
	feeds.SetCookie("session", lc.Cookie("session"))
	// the same secret export token (the URLs differ only in the test servers' ports)
	was, now := lc.Get("/api/v1.0/houses/"+houseId+"/calendar/feeds").OK(t), feeds.Get("/api/v1.0/houses/"+houseId+"/calendar/feeds").OK(t)
	withoutOrigin := func(data []byte, origin string) string { return strings.Replace(string(data), origin, "", 1) }
	if withoutOrigin(was.Data, app.Server.URL) != withoutOrigin(now.Data, restored.Server.URL) {
		t.Errorf("the export URL changed: %s, %s", was.Data, now.Data)
	}
	restored.Login(apptest.Mobile(1))
	restoredGuest := restored.Client()
	restoredGuest.Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(3), "password": "signed-up-pass-1"}).OK(t)

	// and ids continue where they stopped
	var next struct {
		HouseId int64 `json:"house_id"`
	}
	moved := restored.Client()
	moved.SetCookie("session", lc.Cookie("session"))
	moved.Post("/api/v1.0/houses", validHouse()).OK(t).Decode(t, &next)
	if next.HouseId != created.HouseId+1 {
		t.Errorf("the next house is %d, want %d", next.HouseId, created.HouseId+1)
	}
	healthy(t, restored)
}

// unzip extracts a backup into dir, refusing entries that would land
// outside it.
func unzip(t *testing.T, data []byte, dir string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		target := filepath.Join(dir, f.Name)
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(os.PathSeparator)) {
			t.Fatalf("backup entry %q escapes the data dir", f.Name)
		}
		names = append(names, f.Name)
		if f.FileInfo().IsDir() {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		src, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
	for _, want := range []string{"data.db", "session.key"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Fatalf("backup lacks %s: %v", want, names)
		}
	}
}

// dump is every row of table, in id order, as text.
func dump(t *testing.T, app *apptest.App, table string) string {
	t.Helper()
	order := "CAST(id AS INTEGER), id"
	if table == "_ihome_sequences" {
		order = "name"
	}
	var rows []dbx.NullStringMap
	if err := app.DB().Select("*").From(table).OrderBy(order).All(&rows); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	if len(rows) == 0 && table != "sessions" {
		t.Fatalf("%s is empty", table)
	}
	var b strings.Builder
	for _, row := range rows {
		fmt.Fprintln(&b, row)
	}
	return b.String()
}
