package offsite_test

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"testing"

	"ihome/internal/apptest"
	"ihome/internal/offsite"
	"ihome/internal/s3fake"
	"ihome/modules"
)

// withStore registers cfg on the test app (modules.Config.Offsite).
func withStore(cfg offsite.Config) apptest.Option {
	return apptest.WithConfig(func(c *modules.Config) { c.Offsite = cfg })
}

// TestFilesLiveInTheBucket uploads an avatar and a house picture through
// the API with files on S3: the files and their thumbnails are objects
// of the bucket, nothing is on the local disk, and the URLs the API
// answers serve the bucket's bytes, thumbnails too.
func TestFilesLiveInTheBucket(t *testing.T) {
	store := s3fake.New(t, "ihome-files")
	app := apptest.New(t, withStore(offsite.Config{Store: store.Store(), FilesBucket: "ihome-files"}))
	if s := app.Settings().S3; !s.Enabled || s.Bucket != "ihome-files" || s.Endpoint != store.URL {
		t.Fatalf("settings (what the admin UI shows) not laid over: %+v", s)
	}

	landlord, lc := app.NewUser(1)
	app.Verify(landlord, 1)
	var avatar struct {
		URL string `json:"avatar_url"`
	}
	lc.Upload("/api/v1.0/user/avatar", "avatar", "me.png", "image/png", apptest.PNG(t, 30, 30)).OK(t).Decode(t, &avatar)
	h := app.CreateHouse(landlord, nil)
	var picture struct {
		URL string `json:"url"`
	}
	lc.Upload("/api/v1.0/houses/"+h.Id+"/images", "house_image", "p.png", "image/png", apptest.PNG(t, 40, 30)).OK(t).Decode(t, &picture)

	if local := app.Stored(t); len(local) != 0 {
		t.Errorf("files on the local disk: %v", keys(local))
	}
	objects := store.Keys(t, "ihome-files", "")
	for _, url := range []string{avatar.URL, picture.URL} {
		name := path.Base(url)
		var original, thumb string
		for _, k := range objects {
			switch {
			case path.Base(k) == name && !strings.Contains(k, "/thumbs_"):
				original = k
			case strings.HasSuffix(k, "/thumbs_"+name+"/100x100_"+name):
				thumb = k
			}
		}
		if original == "" || thumb == "" {
			t.Fatalf("%s: the bucket lacks the file or its 100x100 thumbnail: %v", url, objects)
		}
		for _, c := range []struct{ url, key string }{{url, original}, {url + "?thumb=100x100", thumb}} {
			want, _ := store.Object(t, "ihome-files", c.key)
			r := app.Client().Get(c.url)
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, want) {
				t.Errorf("GET %s: HTTP %d, %d bytes; the bucket's %s has %d", c.url, r.Status, len(r.Body), c.key, len(want))
			}
		}
	}

	// the profile names the same avatar
	var profile struct {
		URL string `json:"avatar_url"`
	}
	lc.Get("/api/v1.0/user").OK(t).Decode(t, &profile)
	if profile.URL != avatar.URL {
		t.Errorf("profile avatar %q, upload answered %q", profile.URL, avatar.URL)
	}
	if store.Refused() != 0 {
		t.Errorf("the store refused %d requests (signature)", store.Refused())
	}

	// staff save the settings in the admin UI: the keys given by flags are
	// not written to data.db, and the files stay in the bucket
	sc := app.Client()
	sc.Bearer, sc.NoCSRF = staffToken(t, app), true
	if r := sc.Do(http.MethodPatch, "/api/settings", map[string]any{"meta": map[string]any{"appName": "iHome 2"}}); r.Status != http.StatusOK {
		t.Fatalf("settings save: HTTP %d %s", r.Status, r.Body)
	}
	var stored string
	if err := app.DB().NewQuery("SELECT value FROM _params WHERE id = 'settings'").Row(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, s3fake.SecretKey) || strings.Contains(stored, s3fake.AccessKey) || !strings.Contains(stored, "iHome 2") {
		t.Errorf("stored settings: %s", stored)
	}
	if s := app.Settings().S3; !s.Enabled || s.Bucket != "ihome-files" || app.Settings().Meta.AppName != "iHome 2" {
		t.Errorf("settings after the save: %+v, app name %q", s, app.Settings().Meta.AppName)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
