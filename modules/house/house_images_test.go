package house_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

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

	var first struct {
		URL string `json:"url"`
	}
	c.Upload(path, "house_image", "../../evil name.png", "text/plain", pic).OK(t).Decode(t, &first)
	if !strings.HasPrefix(first.URL, "/api/files/houses/"+h.Id+"/house_image") || strings.Contains(first.URL, "evil") {
		t.Fatalf("url %q", first.URL)
	}
	res, err := http.Get(app.Server.URL + first.URL)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(served, pic) {
		t.Fatalf("served %d, %d bytes", res.StatusCode, len(served))
	}
	thumb, err := http.Get(app.Server.URL + first.URL + "?thumb=320x200")
	if err != nil || thumb.StatusCode != http.StatusOK || !strings.HasPrefix(thumb.Header.Get("Content-Type"), "image/") {
		t.Fatalf("thumb %v %v", thumb, err)
	}
	thumb.Body.Close()

	c.Upload(path, "house_image", "b.png", "image/png", apptest.PNG(t, 30, 30)).OK(t)
	var d struct {
		House struct {
			ImgURLs []string `json:"img_urls"`
		} `json:"house"`
	}
	app.Client().Get("/api/v1.0/houses/"+h.Id).OK(t).Decode(t, &d)
	if len(d.House.ImgURLs) != 2 || d.House.ImgURLs[0] != first.URL {
		t.Fatalf("img_urls %v", d.House.ImgURLs)
	}
	if r := app.Client().Get("/api/v1.0/houses/index").OK(t); !strings.Contains(string(r.Data), first.URL) {
		t.Fatalf("the first picture is not the index picture: %s", r.Data)
	}
	if r := c.Get("/api/v1.0/user/houses").OK(t); !strings.Contains(string(r.Data), `"img_url":"`+first.URL+`"`) {
		t.Fatalf("list img_url: %s", r.Data)
	}

	c.Upload(path, "house_image", "c.png", "image/png", pic).OK(t)
	r := c.Upload(path, "house_image", "d.png", "image/png", pic).Expect(t, http.StatusOK, "4004")
	if r.Errmsg == "" {
		t.Fatal("no message")
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
	stored, err := app.FindRecordById("houses", h.Id)
	if err != nil {
		t.Fatal(err)
	}
	if ok != 3 || len(stored.GetStringSlice("images")) != 3 {
		t.Fatalf("%d uploads accepted, %d stored; want 3 and 3", ok, len(stored.GetStringSlice("images")))
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
			if first { // the upload's save pauses here, as a slow disk would
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
	<-entered
	reviewed := make(chan *apptest.Response)
	go func() {
		reviewed <- guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": o.Id, "comment": "好"})
	}()
	time.Sleep(50 * time.Millisecond) // let the review reach the database (it waits there, or commits: the bug)
	close(release)
	(<-uploaded).OK(t)
	(<-reviewed).OK(t)
	stored, err := app.FindRecordById("houses", h.Id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.GetInt("order_count") != 1 || len(stored.GetStringSlice("images")) != 1 {
		t.Fatalf("order_count %d, %d pictures; want 1 and 1", stored.GetInt("order_count"), len(stored.GetStringSlice("images")))
	}
}
