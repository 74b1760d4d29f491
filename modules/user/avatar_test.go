package user_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/apptest"
)

// upload posts data as the multipart file field of POST /user/avatar.
func upload(t *testing.T, app *apptest.App, c *apptest.Client, field, filename, contentType string, data []byte) *apptest.Response {
	t.Helper()
	return c.Upload("/api/v1.0/user/avatar", field, filename, contentType, data)
}

func jpegBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, apptest.TestImage(120, 80), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, apptest.TestImage(32, 32), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpBytes is a 1×1 lossless WebP (the one feature-detection scripts use).
func webpBytes(t *testing.T) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// avatarFile returns the user's stored avatar file name.
func avatarFile(t *testing.T, app *apptest.App, id string) string {
	t.Helper()
	u, err := app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	return u.GetString("avatar")
}

func storedExists(t *testing.T, app *apptest.App, id, file string) bool {
	t.Helper()
	u, err := app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	ok, err := fsys.Exists(u.BaseFilesPath() + "/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// storedFile returns the content of a file of user id's storage, nil when
// it is not there.
func storedFile(t *testing.T, app *apptest.App, id, file string) []byte {
	t.Helper()
	u, err := app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	return app.Stored(t)[u.BaseFilesPath()+"/"+file]
}

func TestAvatarFormats(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)
	// stored re-encoded: JPEG stays JPEG, the rest becomes PNG (the
	// lossless WebP has transparency)
	for _, tc := range []struct {
		name, ext string
		data      []byte
		w, h      int
	}{
		{"png", ".png", apptest.PNG(t, 40, 30), 40, 30},
		{"jpeg", ".jpg", jpegBytes(t), 120, 80},
		{"gif", ".png", gifBytes(t), 32, 32},
		{"webp", ".png", webpBytes(t), 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// the declared name and type are ignored: the content decides
			r := upload(t, app, c, "avatar", "../../evil name.txt", "text/plain", tc.data).OK(t)
			var got struct {
				AvatarURL string `json:"avatar_url"`
			}
			r.Decode(t, &got)
			if string(r.Data) != `{"avatar_url":"`+got.AvatarURL+`"}` {
				t.Fatalf("data %s", r.Data)
			}
			file := avatarFile(t, app, u.Id)
			pattern := `^/api/files/users/` + u.Id + `/avatar_\w+` + regexp.QuoteMeta(tc.ext) + `$`
			if !regexp.MustCompile(pattern).MatchString(got.AvatarURL) || !strings.HasSuffix(got.AvatarURL, "/"+file) {
				t.Fatalf("avatar_url %q, stored %q", got.AvatarURL, file)
			}
			if r := c.Get("/api/v1.0/user").OK(t); !strings.Contains(string(r.Data), `"avatar_url":"`+got.AvatarURL+`"`) {
				t.Fatalf("profile %s", r.Data)
			}
			served := app.Client().Get(got.AvatarURL) // public, like any <img>
			if served.Status != http.StatusOK || !bytes.Equal(served.Body, storedFile(t, app, u.Id, file)) {
				t.Fatalf("GET %s: %d, %d bytes", got.AvatarURL, served.Status, len(served.Body))
			}
			if img, _, err := image.Decode(bytes.NewReader(served.Body)); err != nil || img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h {
				t.Fatalf("GET %s: %v %v, want %d×%d", got.AvatarURL, img, err, tc.w, tc.h)
			}
		})
	}
}

func TestAvatarReplaceAndThumb(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)

	upload(t, app, c, "avatar", "first.png", "image/png", apptest.PNG(t, 300, 200)).OK(t)
	first := avatarFile(t, app, u.Id)
	if !storedExists(t, app, u.Id, first) {
		t.Fatal("first avatar not stored")
	}
	// the thumbnail is made with the upload, and served as stored
	thumbKey := "thumbs_" + first + "/100x100_" + first
	made := storedFile(t, app, u.Id, thumbKey)
	thumb := app.Client().Get("/api/files/users/" + u.Id + "/" + first + "?thumb=100x100")
	if thumb.Status != http.StatusOK || made == nil || !bytes.Equal(thumb.Body, made) {
		t.Fatalf("thumb: %d, %d bytes; %d stored", thumb.Status, len(thumb.Body), len(made))
	}
	img, format, err := image.Decode(bytes.NewReader(thumb.Body))
	if err != nil || format != "png" || img.Bounds().Dx() != 100 || img.Bounds().Dy() != 100 {
		t.Fatalf("thumb: %v %s %v", err, format, img)
	}

	upload(t, app, c, "avatar", "second.jpg", "image/jpeg", jpegBytes(t)).OK(t)
	second := avatarFile(t, app, u.Id)
	if second == first || !storedExists(t, app, u.Id, second) {
		t.Fatalf("second avatar %q not stored", second)
	}
	if storedExists(t, app, u.Id, first) || storedExists(t, app, u.Id, thumbKey) {
		t.Fatalf("old avatar %q or its thumbnail still in storage", first)
	}
	if r := app.Client().Get("/api/files/users/" + u.Id + "/" + first); r.Status != http.StatusNotFound {
		t.Fatalf("old avatar still served: %d", r.Status)
	}
}

func TestAvatarRefusals(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)
	upload(t, app, c, "avatar", "a.png", "image/png", apptest.PNG(t, 8, 8)).OK(t)
	kept := avatarFile(t, app, u.Id)

	junk := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("junk"), 100)...)
	for name, data := range map[string][]byte{
		"text named x.png":          []byte("hello, I am not a picture\n"),
		"PNG signature then junk":   junk,
		"20000×20000 PNG header":    apptest.PNGHeader(20000, 20000),
		"10001 px wide":             apptest.PNGHeader(10001, 1),
		"8000×8000 = 64 megapixels": apptest.PNGHeader(8000, 8000),
		"zero height":               apptest.PNGHeader(10, 0),
		"HTML":                      []byte("<html><script>alert(1)</script></html>"),
		"BMP":                       append([]byte("BM"), make([]byte, 60)...),
		"truncated JPEG":            jpegBytes(t)[:4],
	} {
		t.Run(name, func(t *testing.T) {
			expectParam(t, upload(t, app, c, "avatar", "x.png", "image/png", data), "avatar")
		})
	}

	t.Run("a header without its pixels is refused", func(t *testing.T) {
		// within every size limit, but it would fail (and be decoded again
		// on) every thumbnail request
		expectParam(t, upload(t, app, c, "avatar", "x.png", "image/png", apptest.PNGHeader(100, 50)), "avatar")
	})

	t.Run("16-bit pixels count double", func(t *testing.T) {
		// 3000×3000 RGBA64 decodes to 72 MB: over the 64 MiB bound
		deep := apptest.PNGHeader(3000, 3000)
		deep[24] = 16 // IHDR bit depth
		binary.BigEndian.PutUint32(deep[29:], crc32.ChecksumIEEE(deep[12:29]))
		expectParam(t, upload(t, app, c, "avatar", "x.png", "image/png", deep), "avatar")
	})

	t.Run("no file", func(t *testing.T) {
		expectParam(t, upload(t, app, c, "picture", "a.png", "image/png", apptest.PNG(t, 8, 8)), "avatar")
		expectParam(t, upload(t, app, c, "avatar", "a.png", "image/png", nil), "avatar")
		expectParam(t, c.Post("/api/v1.0/user/avatar", map[string]any{"avatar": "x"}), "avatar")
	})

	if got := avatarFile(t, app, u.Id); got != kept {
		t.Fatalf("a refused upload replaced the avatar: %q → %q", kept, got)
	}
}

func TestAvatarSize(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)
	const max = 5 << 20
	// A real PNG padded with trailing bytes: only the size can refuse it.
	padded := func(n int) []byte {
		b := apptest.PNG(t, 16, 16)
		return append(b, make([]byte, n-len(b))...)
	}

	t.Run("exactly 5 MiB", func(t *testing.T) {
		upload(t, app, c, "avatar", "a.png", "image/png", padded(max)).OK(t)
	})
	t.Run("one byte more, body within the limit", func(t *testing.T) {
		expectParam(t, upload(t, app, c, "avatar", "a.png", "image/png", padded(max+1)), "avatar")
	})
	t.Run("body over the limit, length declared", func(t *testing.T) {
		upload(t, app, c, "avatar", "a.png", "image/png", padded(6<<20)).Expect(t, http.StatusRequestEntityTooLarge, "4103")
	})
	t.Run("body over the limit, chunked", func(t *testing.T) {
		body, formType := apptest.Multipart(t, "avatar", "a.png", "image/png", padded(6<<20))
		// a reader of unknown length makes the client stream it chunked
		req, err := http.NewRequest(http.MethodPost, app.Server.URL+"/api/v1.0/user/avatar", io.MultiReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		if req.ContentLength != 0 {
			t.Fatalf("length %d declared", req.ContentLength)
		}
		c.Send(req, formType).Expect(t, http.StatusRequestEntityTooLarge, "4103")
	})
	if n := len(avatarFile(t, app, u.Id)); n == 0 {
		t.Fatal("the 5 MiB avatar was not kept")
	}
}

// TestAvatarStoredBeforeSave (Hardening 5): the avatar's files are in
// storage before the transaction that names them starts, and a failed
// save removes them and keeps the old avatar.
func TestAvatarStoredBeforeSave(t *testing.T) {
	app := apptest.New(t)
	u, c := app.NewUser(1)
	upload(t, app, c, "avatar", "a.png", "image/png", apptest.PNG(t, 20, 20)).OK(t)
	kept := avatarFile(t, app, u.Id)
	files := len(app.Stored(t))

	var seen []string
	app.OnRecordUpdate("users").Bind(&hook.Handler[*core.RecordEvent]{
		Func: func(e *core.RecordEvent) error {
			name := e.Record.GetString("avatar")
			if name == kept {
				return e.Next()
			}
			if !e.App.IsTransactional() {
				seen = append(seen, "saved outside a transaction")
			}
			fsys, err := e.App.NewFilesystem()
			if err != nil {
				return err
			}
			defer fsys.Close()
			for _, key := range []string{name, "thumbs_" + name + "/100x100_" + name} {
				if ok, err := fsys.Exists(e.Record.BaseFilesPath() + "/" + key); err != nil || !ok {
					seen = append(seen, "not stored before the save: "+key)
				}
			}
			return errors.New("the database is locked")
		},
	})
	if r := upload(t, app, c, "avatar", "b.png", "image/png", apptest.PNG(t, 30, 30)); r.Errno == "0" {
		t.Fatal("a failed save answered 0")
	}
	if got := avatarFile(t, app, u.Id); got != kept {
		t.Fatalf("avatar %q, want %q kept", got, kept)
	}
	if n := len(app.Stored(t)); n != files {
		t.Fatalf("%d files stored, %d before: the failed save left its files", n, files)
	}
	if len(seen) > 0 {
		t.Fatal(seen)
	}
}
