package house_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
)

func newRecord(t *testing.T, app *apptest.App, collection string, fields map[string]any) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	rec := core.NewRecord(col)
	for k, v := range fields {
		rec.Set(k, v)
	}
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// landlord returns a verified user and their logged-in client.
func landlord(t *testing.T, app *apptest.App, n int) (*core.Record, *apptest.Client) {
	t.Helper()
	u, c := app.NewUser(n)
	app.Verify(u, n)
	return u, c
}

// validHouse is a publish body that passes every rule.
func validHouse() map[string]any {
	return map[string]any{
		"title": "海淀两居", "price": "199.5", "area_id": 4, "address": "中关村大街1号",
		"room_count": 2, "acreage": 80, "unit": "两室一厅", "capacity": 4, "beds": "双人床2张",
		"deposit": "500", "min_days": 1, "max_days": 30, "facility": []int{1, 3, 23},
	}
}
