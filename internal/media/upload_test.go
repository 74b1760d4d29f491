package media_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/internal/media"
	"ihome/modules"
)

// stage is a user with a house, and both upload routes.
type stage struct {
	app    *apptest.App
	intake *media.Intake
	owner  *core.Record
	c      *apptest.Client
	routes []route
}

type route struct{ path, field string }

func newStage(t *testing.T, cfg media.Config) *stage {
	t.Helper()
	s := &stage{intake: media.New(cfg)}
	s.app = apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.User.Images = s.intake }))
	s.owner, s.c = s.app.NewUser(1)
	h := s.app.CreateHouse(s.owner, nil)
	s.routes = []route{{"/api/v1.0/user/avatar", "avatar"}, {"/api/v1.0/houses/" + h.Id + "/images", "house_image"}}
	return s
}

// upload posts data and returns the stored file's URL; it fails the test
// unless the answer is 0.
func (s *stage) upload(t *testing.T, r route, data []byte) string {
	t.Helper()
	res := s.c.Upload(r.path, r.field, "x.png", "image/png", data).OK(t)
	var d struct {
		URL       string `json:"url"`
		AvatarURL string `json:"avatar_url"`
	}
	res.Decode(t, &d)
	return d.URL + d.AvatarURL
}

// storedAt returns the storage key of a file URL (/api/files/{collection}/{record}/{name}).
func (s *stage) storedAt(t *testing.T, url string) (dir, name string) {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(url, "/api/files/"), "/")
	if len(parts) != 3 {
		t.Fatalf("url %q", url)
	}
	c, err := s.app.FindCachedCollectionByNameOrId(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	return c.Id + "/" + parts[1], parts[2]
}

// TestUploadScanBomb (Hardening 1): the 27 KB progressive JPEG with 1000
// empty scans was accepted after 10–20 s of decoding; now it is refused
// from its segments, as an avatar and as a house picture.
func TestUploadScanBomb(t *testing.T) {
	s := newStage(t, media.Config{})
	bomb := apptest.ScanBomb(4000, 4000, 1000)
	for _, r := range s.routes {
		res := s.c.Upload(r.path, r.field, "bomb.jpg", "image/jpeg", bomb).Expect(t, http.StatusOK, "4103")
		if res.Errmsg != "参数错误: "+r.field {
			t.Fatalf("errmsg %q", res.Errmsg)
		}
	}
	if n := len(s.app.Stored(t)); n != 0 {
		t.Fatalf("%d files stored", n)
	}
	for _, r := range s.routes {
		s.upload(t, r, apptest.PNG(t, 8, 8)) // the slots are free
	}
}

// TestUploadDecodeBudget (Hardening 1): a file within the scan budget
// that decodes slowly is refused at the time budget, and its decode stops,
// so the next upload gets the (only) slot: before, two such files held
// both slots for as long as they decoded.
func TestUploadDecodeBudget(t *testing.T) {
	s := newStage(t, media.Config{Slots: 1, MaxScans: 1 << 20, DecodeTimeout: 100 * time.Millisecond})
	slow := apptest.ScanBomb(4000, 4000, 60000) // ~10 minutes of decoding
	for _, r := range s.routes {
		s.c.Upload(r.path, r.field, "slow.jpg", "image/jpeg", slow).Expect(t, http.StatusOK, "4103")
		uploadWithin(t, s, r, time.Minute)
	}
}

// uploadWithin uploads a small picture, failing when it is not answered
// within limit (the abandoned work takes minutes; limit is generous).
func uploadWithin(t *testing.T, s *stage, r route, limit time.Duration) {
	t.Helper()
	body, ct := apptest.Multipart(t, r.field, "ok.png", "image/png", apptest.PNG(t, 8, 8))
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.app.Server.URL+r.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.c.Cookie("session"))
	req.Header.Set("Content-Type", ct)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("an upload after abandoned work: %v", err)
	}
	defer res.Body.Close()
	var env struct{ Errno string }
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || env.Errno != "0" {
		t.Fatalf("an upload after abandoned work: HTTP %d errno %q %v", res.StatusCode, env.Errno, err)
	}
}

// hangUp sends an upload on a connection of its own, then closes the
// connection's sending side: for the server, the client has gone (its
// request context ends), yet the test still reads what the server answers.
func hangUp(t *testing.T, s *stage, r route, data []byte) (status int, errno string) {
	t.Helper()
	body, ct := apptest.Multipart(t, r.field, "x.jpg", "image/jpeg", data)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.app.Server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: ihome.test\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		r.path, s.c.Cookie("session"), ct, len(body))
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer res.Body.Close()
	var env struct{ Errno string }
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		t.Fatalf("HTTP %d: %v", res.StatusCode, err)
	}
	return res.StatusCode, env.Errno
}

// TestUploadClientGoneWhileQueued (Hardening 4): a client that left while
// its upload waited for a slot was answered (to no one) as a 500, logged
// as a fault. Now it is 4201, and it took no slot.
func TestUploadClientGoneWhileQueued(t *testing.T) {
	s := newStage(t, media.Config{Slots: 1})
	release, err := s.intake.Acquire(context.Background()) // every slot busy
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.routes {
		if status, errno := hangUp(t, s, r, apptest.PNG(t, 8, 8)); status != http.StatusOK || errno != "4201" {
			t.Errorf("%s: HTTP %d errno %s, want 200 4201", r.field, status, errno)
		}
	}
	release()
	for _, r := range s.routes {
		uploadWithin(t, s, r, time.Minute) // the queued requests left no slot taken
	}
	if n := len(s.app.Stored(t)); n == 0 {
		t.Fatal("nothing stored")
	}
}

// TestUploadClientHangsUpWhileDecoding (Hardening 1): when the client
// hangs up, the decode stops: the next upload gets the only slot in
// seconds, not after the ten minutes this file takes to decode.
func TestUploadClientHangsUpWhileDecoding(t *testing.T) {
	s := newStage(t, media.Config{Slots: 1, MaxScans: 1 << 20, DecodeTimeout: time.Hour})
	slow := apptest.ScanBomb(4000, 4000, 60000)
	for _, r := range s.routes {
		if status, errno := hangUp(t, s, r, slow); status != http.StatusOK || errno != "4201" {
			t.Errorf("%s: HTTP %d errno %s, want 200 4201", r.field, status, errno)
		}
		uploadWithin(t, s, r, time.Minute)
	}
}

// TestUploadStoredReencoded (Hardening 2): what is stored and served is
// the re-encoded picture: a 2×2 PNG followed by 9 MiB of bytes was kept as
// 9 MiB; a phone's JPEG kept its EXIF, GPS position included, unturned.
func TestUploadStoredReencoded(t *testing.T) {
	s := newStage(t, media.Config{})
	junk := make([]byte, 9<<20)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(junk) // random: nothing compresses it
	phone := apptest.EXIFJPEG(t, 120, 80, 6)
	for _, r := range s.routes {
		n := 9 << 20 // within the house picture's 10 MiB
		if r.field == "avatar" {
			n = 4 << 20 // within the avatar's 5 MiB
		}
		url := s.upload(t, r, append(apptest.PNG(t, 2, 2), junk[:n]...))
		served := s.app.Client().Get(url)
		if served.Status != http.StatusOK || len(served.Body) > 1<<10 {
			t.Fatalf("%s: served %d bytes of a 2×2 picture", r.field, len(served.Body))
		}
		if img, _ := decode(t, served.Body); img.Bounds().Dx() != 2 {
			t.Fatalf("%s: served %v", r.field, img.Bounds())
		}

		url = s.upload(t, r, phone)
		served = s.app.Client().Get(url)
		img, format := decode(t, served.Body)
		if format != "jpeg" || img.Bounds().Dx() != 80 || img.Bounds().Dy() != 120 {
			t.Fatalf("%s: served %s %v, want an upright 80×120 JPEG", r.field, format, img.Bounds())
		}
	}
	for path, data := range s.app.Stored(t) {
		for _, leak := range []string{"Exif", "GPS", string(junk[:32])} {
			if bytes.Contains(data, []byte(leak)) {
				t.Errorf("%s contains %q", path, leak)
			}
		}
		if len(data) > 64<<10 {
			t.Errorf("%s: %d bytes", path, len(data))
		}
	}
}

// TestThumbnailsMadeAtUpload (Hardening 3): every thumbnail size the file
// route serves is stored with the upload, and a guest's ?thumb= is served
// from storage: the request writes nothing.
func TestThumbnailsMadeAtUpload(t *testing.T) {
	s := newStage(t, media.Config{})
	for _, r := range s.routes {
		url := s.upload(t, r, apptest.PNG(t, 300, 200))
		dir, name := s.storedAt(t, url)
		collection := strings.Split(url, "/")[3]
		field := map[string]string{"users": "avatar", "house_images": "image"}[collection]
		sizes, err := media.ThumbSizes(s.app, collection, field)
		if err != nil {
			t.Fatal(err)
		}
		if collection == "house_images" && !slices.Contains(sizes, "640x400") {
			t.Fatalf("house picture sizes %v", sizes)
		}
		before := s.app.Stored(t)
		for _, size := range sizes {
			thumb, ok := before[media.ThumbKey(dir, name, size)]
			if !ok {
				t.Fatalf("%s: no %s thumbnail stored with the upload", r.field, size)
			}
			served := s.app.Client().Get(url + "?thumb=" + size)
			if served.Status != http.StatusOK || !bytes.Equal(served.Body, thumb) {
				t.Fatalf("%s ?thumb=%s: HTTP %d, %d bytes, not the stored thumbnail", r.field, size, served.Status, len(served.Body))
			}
			var w, h int
			fmt.Sscanf(size, "%dx%d", &w, &h)
			if img, _ := decode(t, served.Body); img.Bounds().Size() != image.Pt(w, h) {
				t.Fatalf("%s ?thumb=%s: %v", r.field, size, img.Bounds())
			}
		}
		if after := s.app.Stored(t); !maps.EqualFunc(before, after, bytes.Equal) {
			t.Fatalf("%s: a thumbnail request wrote to storage", r.field)
		}
	}
}

// TestThumbRequestNeverDecodes (Hardening 3): a thumbnail that is not
// stored (a picture from before thumbnails were made at upload, say) was
// made on the request, for anyone: 4000×4000 PNGs took the server from 43
// to 384 MB. Now the original is served as it is: nothing decoded, nothing
// written.
func TestThumbRequestNeverDecodes(t *testing.T) {
	s := newStage(t, media.Config{})
	for _, r := range s.routes {
		url := s.upload(t, r, apptest.PNG(t, 2000, 1500))
		dir, name := s.storedAt(t, url)
		fsys, err := s.app.NewFilesystem()
		if err != nil {
			t.Fatal(err)
		}
		if errs := fsys.DeletePrefix(dir + "/thumbs_" + name + "/"); len(errs) > 0 {
			t.Fatal(errs)
		}
		fsys.Close()
		before := s.app.Stored(t)
		original := before[dir+"/"+name]

		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		size := map[string]string{"avatar": "100x100", "house_image": "640x400"}[r.field] // what the pages ask
		served := s.app.Client().Get(url + "?thumb=" + size)
		runtime.ReadMemStats(&m1)
		if served.Status != http.StatusOK || !bytes.Equal(served.Body, original) {
			t.Fatalf("%s: HTTP %d, %d bytes; want the original's %d", r.field, served.Status, len(served.Body), len(original))
		}
		// decoding 2000×1500 pixels takes 12 MB; serving the file, its size
		if grew := m1.TotalAlloc - m0.TotalAlloc; grew > uint64(len(original))*3+4<<20 {
			t.Errorf("%s: the thumbnail request allocated %d KB", r.field, grew>>10)
		}
		if after := s.app.Stored(t); !maps.EqualFunc(before, after, bytes.Equal) {
			t.Fatalf("%s: the thumbnail request wrote to storage", r.field)
		}
	}
}
