package house_test

import (
	"net/http"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

func TestAreasAndFacilities(t *testing.T) {
	app := apptest.New(t)
	c := app.Client()

	r := c.Get("/api/v1.0/areas").OK(t)
	if !strings.HasPrefix(string(r.Data), `[{"aid":1,"aname":"东城区"},{"aid":2,"aname":"西城区"}`) ||
		!strings.HasSuffix(string(r.Data), `{"aid":15,"aname":"石景山区"}]`) {
		t.Fatalf("areas %s", r.Data)
	}
	r = c.Get("/api/v1.0/facilities").OK(t)
	if !strings.HasPrefix(string(r.Data), `[{"fid":1,"fname":"无线网络"}`) ||
		!strings.HasSuffix(string(r.Data), `{"fid":23,"fname":"浴缸"}]`) {
		t.Fatalf("facilities %s", r.Data)
	}

	// staff edits in the admin UI go through the same record saves
	area, err := app.FindRecordById("areas", "1")
	if err != nil {
		t.Fatal(err)
	}
	area.Set("name", "东城")
	if err := app.Save(area); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/api/v1.0/areas").OK(t); !strings.HasPrefix(string(r.Data), `[{"aid":1,"aname":"东城"}`) {
		t.Fatalf("rename not reflected: %s", r.Data)
	}

	col, _ := app.FindCollectionByNameOrId("areas")
	added := newRecord(t, app, col.Name, map[string]any{"name": "北京经济技术开发区"})
	if added.Id != "16" {
		t.Fatalf("new area id %q, want the next integer", added.Id)
	}
	if r := c.Get("/api/v1.0/areas").OK(t); !strings.HasSuffix(string(r.Data), `{"aid":16,"aname":"北京经济技术开发区"}]`) {
		t.Fatalf("addition not reflected: %s", r.Data)
	}
	if err := app.Delete(added); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/api/v1.0/areas").OK(t); strings.Contains(string(r.Data), "开发区") {
		t.Fatalf("deletion not reflected: %s", r.Data)
	}

	fac, _ := app.FindRecordById("facilities", "23")
	fac.Set("name", "按摩浴缸")
	if err := app.Save(fac); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/api/v1.0/facilities").OK(t); !strings.HasSuffix(string(r.Data), `{"fid":23,"fname":"按摩浴缸"}]`) {
		t.Fatalf("facility edit not reflected: %s", r.Data)
	}
	c.Post("/api/v1.0/areas", nil).Expect(t, http.StatusMethodNotAllowed, "4103")
}
