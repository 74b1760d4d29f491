package house_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/apptest"
	"ihome/internal/media"
	"ihome/modules"
	"ihome/modules/house"
)

// storedFile returns the stored bytes of a file URL, nil when missing.
func storedFile(t *testing.T, app *apptest.App, url string) []byte {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(url, "/api/files/"), "/")
	c, err := app.FindCollectionByNameOrId(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	return app.Stored(t)[c.Id+"/"+parts[1]+"/"+parts[2]]
}

func imageURLs(t *testing.T, app *apptest.App, houseId string) []string {
	t.Helper()
	urls, err := house.ImageURLs(app, houseId)
	if err != nil {
		t.Fatal(err)
	}
	return urls
}

func TestHouseImages(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.House.MaxImages = 3 }))
	owner, c := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	_, stranger := app.NewUser(2)
	path := "/api/v1.0/houses/" + h.Id + "/images"
	pic := apptest.PNG(t, 64, 40)

	app.Client().Upload(path, "house_image", "a.png", "image/png", pic).Expect(t, http.StatusOK, "4101")
	c.Upload("/api/v1.0/houses/99/images", "house_image", "a.png", "image/png", pic).Expect(t, http.StatusOK, "4002")
	stranger.Upload(path, "house_image", "a.png", "image/png", pic).Expect(t, http.StatusOK, "4105")
	for name, data := range map[string][]byte{
		"script.png":  []byte("#!/bin/sh\necho pwned\n"),
		"header.png":  append(apptest.PNGHeader(64, 40)[:8], []byte("<?php system($_GET['c']); ?>")...),
		"huge.png":    apptest.PNGHeader(20000, 20000),
		"../../x.png": []byte("not an image"),
	} {
		r := c.Upload(path, "house_image", name, "image/png", data).Expect(t, http.StatusOK, "4103")
		if r.Errmsg != "参数错误: house_image" {
			t.Fatalf("%s: errmsg %q", name, r.Errmsg)
		}
	}
	c.Upload(path, "wrong_field", "a.png", "image/png", pic).Expect(t, http.StatusOK, "4103")
	if n := len(app.Stored(t)); n != 0 {
		t.Fatalf("refused uploads left %d files", n)
	}

	var first struct {
		URL string `json:"url"`
	}
	c.Upload(path, "house_image", "../../evil name.png", "text/plain", pic).OK(t).Decode(t, &first)
	if !strings.HasPrefix(first.URL, "/api/files/"+house.ImagesCollection+"/") || !strings.Contains(first.URL, "/house_image_") ||
		!strings.HasSuffix(first.URL, ".png") || strings.Contains(first.URL, "evil") {
		t.Fatalf("url %q", first.URL)
	}
	res, err := http.Get(app.Server.URL + first.URL)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(served, storedFile(t, app, first.URL)) {
		t.Fatalf("served %d, %d bytes", res.StatusCode, len(served))
	}
	if img, _, err := image.Decode(bytes.NewReader(served)); err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 40 {
		t.Fatalf("served picture: %v %v", img, err)
	}
	thumb, err := http.Get(app.Server.URL + first.URL + "?thumb=320x200")
	if err != nil || thumb.StatusCode != http.StatusOK || !strings.HasPrefix(thumb.Header.Get("Content-Type"), "image/") {
		t.Fatalf("thumb %v %v", thumb, err)
	}
	thumb.Body.Close()
	if got, _ := app.FindRecordById(house.Collection, h.Id); got.GetString(house.FieldIndexImage) != first.URL {
		t.Fatalf("index picture %q, want %q", got.GetString(house.FieldIndexImage), first.URL)
	}

	c.Upload(path, "house_image", "b.png", "image/png", apptest.PNG(t, 30, 30)).OK(t)
	var d struct {
		House struct {
			ImgURLs []string `json:"img_urls"`
		} `json:"house"`
	}
	app.Client().Get("/api/v1.0/houses/"+h.Id).OK(t).Decode(t, &d)
	if urls := imageURLs(t, app, h.Id); len(d.House.ImgURLs) != 2 || d.House.ImgURLs[0] != first.URL || fmt.Sprint(urls) != fmt.Sprint(d.House.ImgURLs) {
		t.Fatalf("img_urls %v, ImageURLs %v", d.House.ImgURLs, urls)
	}
	if r := app.Client().Get("/api/v1.0/houses/index").OK(t); !strings.Contains(string(r.Data), first.URL) {
		t.Fatalf("the first picture is not the index picture: %s", r.Data)
	}
	if r := c.Get("/api/v1.0/user/houses").OK(t); !strings.Contains(string(r.Data), `"img_url":"`+first.URL+`"`) {
		t.Fatalf("list img_url: %s", r.Data)
	}

	c.Upload(path, "house_image", "c.png", "image/png", pic).OK(t)
	stored := len(app.Stored(t))
	r := c.Upload(path, "house_image", "d.png", "image/png", pic).Expect(t, http.StatusOK, "4004")
	if r.Errmsg == "" {
		t.Fatal("no message")
	}
	if len(app.Stored(t)) != stored {
		t.Fatal("the refused fourth picture left files")
	}

	t.Run("too large", func(t *testing.T) {
		small := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.House.ImageMaxSize = 1000 }))
		o, oc := landlord(t, small, 1)
		sh := small.CreateHouse(o, nil)
		p := "/api/v1.0/houses/" + sh.Id + "/images"
		// over the file limit but within the body's slack: refused as a parameter
		oc.Upload(p, "house_image", "big.png", "image/png", apptest.PNG(t, 300, 300)).Expect(t, http.StatusOK, "4103")
		// over the body limit: refused by the body limit
		oc.Upload(p, "house_image", "big.png", "image/png", bytes.Repeat([]byte{0x89}, 200<<10)).
			Expect(t, http.StatusRequestEntityTooLarge, "4103")
	})
}

func TestConcurrentHouseImageUploads(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.House.MaxImages = 3 }))
	owner, c := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.Upload("/api/v1.0/houses/"+h.Id+"/images", "house_image", fmt.Sprintf("%d.png", i), "image/png", apptest.PNG(t, 20+i, 20))
			results[i] = fmt.Sprint(r.Status, " ", r.Errno)
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		switch r {
		case "200 0":
			ok++
		case "200 4004":
		default:
			t.Errorf("answer %s", r)
		}
	}
	urls := imageURLs(t, app, h.Id)
	if ok != 3 || len(urls) != 3 {
		t.Fatalf("%d uploads accepted, %d stored; want 3 and 3", ok, len(urls))
	}
	var positions []int
	if err := app.DB().Select(house.FieldImagePosition).From(house.ImagesCollection).
		Where(dbx.HashExp{house.FieldImageHouse: h.Id}).OrderBy(house.FieldImagePosition).Column(&positions); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(positions) != "[0 1 2]" {
		t.Fatalf("positions %v", positions)
	}
	// the refused ones left no file: three pictures and their thumbnails
	sizes, _ := media.ThumbSizes(app, house.ImagesCollection, house.FieldImageFile)
	if n := len(app.Stored(t)); n != 3*(1+len(sizes)) {
		t.Fatalf("%d files stored", n)
	}
	if got, _ := app.FindRecordById(house.Collection, h.Id); got.GetString(house.FieldIndexImage) != urls[0] {
		t.Fatalf("index picture %q, pictures %v", got.GetString(house.FieldIndexImage), urls)
	}
}

// TestConcurrentUploadAndReview: a picture upload that is saving while a
// review commits must not write back the old booking count.
func TestConcurrentUploadAndReview(t *testing.T) {
	app := apptest.New(t)
	owner, landlordC := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	guest, guestC := app.NewUser(2)
	o := app.CreateOrder(h, guest, app.Today(1), app.Today(2), "WAIT_COMMENT")

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	app.OnRecordUpdate("houses").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -1000,
		Func: func(e *core.RecordEvent) error {
			first := false
			once.Do(func() { first = true })
			if first { // the upload's save (of the index picture) pauses here
				close(entered)
				<-release
			}
			return e.Next()
		},
	})
	uploaded := make(chan *apptest.Response)
	go func() {
		uploaded <- landlordC.Upload("/api/v1.0/houses/"+h.Id+"/images", "house_image", "a.png", "image/png", apptest.PNG(t, 64, 40))
	}()
	select {
	case <-entered:
	case r := <-uploaded:
		t.Fatalf("the upload ended without saving the house: HTTP %d %s", r.Status, r.Body)
	}
	reviewed := make(chan *apptest.Response, 1)
	reviewDone := make(chan struct{})
	before := app.WriterWaits()
	go func() {
		defer close(reviewDone)
		reviewed <- guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": o.Id, "comment": "好"})
	}()
	// the review reaches the database: it queues behind the paused upload,
	// or (the bug) commits first; the checks below tell which
	app.AwaitWriterWait(before, reviewDone)
	close(release)
	(<-uploaded).OK(t)
	(<-reviewed).OK(t)
	stored, err := app.FindRecordById("houses", h.Id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.GetInt("order_count") != 1 || len(imageURLs(t, app, h.Id)) != 1 || stored.GetString(house.FieldIndexImage) == "" {
		t.Fatalf("order_count %d, %d pictures, index %q; want 1, 1 and one", stored.GetInt("order_count"),
			len(imageURLs(t, app, h.Id)), stored.GetString(house.FieldIndexImage))
	}
}

// TestHouseImageStoredBeforeInsert (Hardening 5): the picture was written
// inside the write transaction. Now its files are in storage before the
// transaction that inserts its record starts, and a failed insert removes
// them.
func TestHouseImageStoredBeforeInsert(t *testing.T) {
	app := apptest.New(t)
	owner, c := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	path := "/api/v1.0/houses/" + h.Id + "/images"
	fail := false
	var seen []string
	app.OnRecordCreate(house.ImagesCollection).Bind(&hook.Handler[*core.RecordEvent]{
		Func: func(e *core.RecordEvent) error {
			// in the transaction: the files are there already
			if !e.App.IsTransactional() {
				seen = append(seen, "insert outside a transaction")
			}
			fsys, err := e.App.NewFilesystem()
			if err != nil {
				return err
			}
			defer fsys.Close()
			name := e.Record.GetString(house.FieldImageFile)
			for _, key := range []string{e.Record.BaseFilesPath() + "/" + name, media.ThumbKey(e.Record.BaseFilesPath(), name, "640x400")} {
				if ok, err := fsys.Exists(key); err != nil || !ok {
					seen = append(seen, "not stored before the insert: "+key)
				}
			}
			if fail {
				return errors.New("the disk is full")
			}
			return e.Next()
		},
	})

	c.Upload(path, "house_image", "a.png", "image/png", apptest.PNG(t, 40, 30)).OK(t)
	before := app.Stored(t)
	fail = true
	r := c.Upload(path, "house_image", "b.png", "image/png", apptest.PNG(t, 50, 30))
	if r.Errno == "0" {
		t.Fatal("the failed insert answered 0")
	}
	if after := app.Stored(t); len(after) != len(before) {
		t.Fatalf("the failed insert left files: %d before, %d after", len(before), len(after))
	}
	if n := len(imageURLs(t, app, h.Id)); n != 1 {
		t.Fatalf("%d pictures", n)
	}
	if len(seen) > 0 {
		t.Fatal(seen)
	}
}

// TestDeletingTheIndexPicture: staff deleting the first picture in the
// admin UI moves the index picture to the next one, a first picture they
// add becomes it; deleting the house deletes its pictures.
func TestDeletingTheIndexPicture(t *testing.T) {
	app := apptest.New(t)
	owner, c := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	for i := range 2 {
		c.Upload("/api/v1.0/houses/"+h.Id+"/images", "house_image", "a.png", "image/png", apptest.PNG(t, 20+i, 20)).OK(t)
	}
	urls := imageURLs(t, app, h.Id)
	recs, err := app.FindAllRecords(house.ImagesCollection, dbx.HashExp{house.FieldImageHouse: h.Id, house.FieldImagePosition: 0})
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	if err := app.Delete(recs[0]); err != nil {
		t.Fatal(err)
	}
	if got, _ := app.FindRecordById(house.Collection, h.Id); got.GetString(house.FieldIndexImage) != urls[1] {
		t.Fatalf("index picture %q, want %q", got.GetString(house.FieldIndexImage), urls[1])
	}

	// a first picture added by staff (PocketBase's own upload) becomes the index picture
	bare := app.CreateHouse(owner, nil)
	col, _ := app.FindCollectionByNameOrId(house.ImagesCollection)
	staff := core.NewRecord(col)
	f, _ := filesystem.NewFileFromBytes(apptest.PNG(t, 10, 10), "staff.png")
	staff.Set(house.FieldImageHouse, bare.Id)
	staff.Set(house.FieldImageFile, f)
	if err := app.Save(staff); err != nil {
		t.Fatal(err)
	}
	if got, _ := app.FindRecordById(house.Collection, bare.Id); got.GetString(house.FieldIndexImage) != imageURLs(t, app, bare.Id)[0] {
		t.Fatalf("staff's first picture: index %q", got.GetString(house.FieldIndexImage))
	}

	hr, _ := app.FindRecordById(house.Collection, h.Id)
	if err := app.Delete(hr); err != nil {
		t.Fatal(err)
	}
	if n := app.Count("SELECT count(*) FROM " + house.ImagesCollection + " WHERE " + house.FieldImageHouse + " = '" + h.Id + "'"); n != 0 {
		t.Fatalf("%d pictures outlived their house", n)
	}
	// (PocketBase deletes a deleted record's files in the background)
}

// TestMigrationMovesHousePictures: the migration to house_images copies
// the pictures of houses.images (and the thumbnails made of them), in
// order, sets the index picture, and drops the old field; reverting it
// brings the field back with the pictures.
func TestMigrationMovesHousePictures(t *testing.T) {
	app := apptest.New(t)
	owner, _ := landlord(t, app, 1)
	h := app.CreateHouse(owner, nil)
	bare := app.CreateHouse(owner, nil)
	runner := core.NewMigrationsRunner(app, core.AppMigrations)
	reverted := 0
	for {
		if has, _ := app.FindCollectionByNameOrId(house.ImagesCollection); has == nil {
			break
		}
		if _, err := runner.Down(1); err != nil {
			t.Fatal(err)
		}
		if reverted++; reverted > 10 {
			t.Fatal("house_images survives its migration's revert")
		}
	}

	// as before: pictures in the file field, a thumbnail made on a request
	rec, err := app.FindRecordById(house.Collection, h.Id)
	if err != nil {
		t.Fatal(err)
	}
	var originals [][]byte
	var files []any
	for i := range 3 {
		data := apptest.PNG(t, 30+i, 20)
		originals = append(originals, data)
		f, _ := filesystem.NewFileFromBytes(data, fmt.Sprintf("p%d.png", i))
		files = append(files, f)
	}
	rec.Set("images", files)
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	names := rec.GetStringSlice("images")
	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	oldThumb := media.ThumbKey(rec.BaseFilesPath(), names[0], "640x400")
	if err := fsys.Upload(apptest.PNG(t, 64, 40), oldThumb); err != nil {
		t.Fatal(err)
	}

	if _, err := runner.Up(); err != nil {
		t.Fatal(err)
	}
	urls := imageURLs(t, app, h.Id)
	if len(urls) != 3 {
		t.Fatalf("moved %v", urls)
	}
	for i, u := range urls {
		if !strings.HasSuffix(u, "/"+names[i]) || !bytes.Equal(storedFile(t, app, u), originals[i]) {
			t.Fatalf("picture %d: %s", i, u)
		}
	}
	if got, _ := app.FindRecordById(house.Collection, h.Id); got.GetString(house.FieldIndexImage) != urls[0] {
		t.Fatalf("index %q", got.GetString(house.FieldIndexImage))
	}
	if got, _ := app.FindRecordById(house.Collection, bare.Id); got.GetString(house.FieldIndexImage) != "" {
		t.Fatalf("a house without pictures got an index %q", got.GetString(house.FieldIndexImage))
	}
	cols, _ := app.FindCollectionByNameOrId(house.Collection)
	if cols.Fields.GetByName("images") != nil {
		t.Fatal("houses.images is still there")
	}
	// the moved thumbnail is served from storage
	served := app.Client().Get(urls[0] + "?thumb=640x400")
	if img, _, err := image.Decode(bytes.NewReader(served.Body)); err != nil || img.Bounds().Dx() != 64 {
		t.Fatalf("moved thumbnail: %v %v", img, err)
	}
	// the site reads them
	var d struct {
		House struct {
			ImgURLs []string `json:"img_urls"`
		} `json:"house"`
	}
	app.Client().Get("/api/v1.0/houses/"+h.Id).OK(t).Decode(t, &d)
	if fmt.Sprint(d.House.ImgURLs) != fmt.Sprint(urls) {
		t.Fatalf("img_urls %v", d.House.ImgURLs)
	}

	// and back
	if _, err := runner.Down(reverted); err != nil {
		t.Fatal(err)
	}
	rec, _ = app.FindRecordById(house.Collection, h.Id)
	if fmt.Sprint(rec.GetStringSlice("images")) != fmt.Sprint(names) {
		t.Fatalf("reverted images %v, want %v", rec.GetStringSlice("images"), names)
	}
	if _, err := runner.Up(); err != nil {
		t.Fatal(err)
	}
}
