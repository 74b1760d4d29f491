package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addReadIndexes, dropReadIndexes)
}

// Indexes found by profiling under load.
var readIndexes = []struct{ collection, name, columns string }{
	// PocketBase checks a new custom-pattern id with "id = ? COLLATE NOCASE",
	// which the primary key (BINARY) cannot answer: without these every
	// insert scans its table.
	{"users", "idx_users_id_nocase", "id COLLATE NOCASE"},
	{"areas", "idx_areas_id_nocase", "id COLLATE NOCASE"},
	{"facilities", "idx_facilities_id_nocase", "id COLLATE NOCASE"},
	{"houses", "idx_houses_id_nocase", "id COLLATE NOCASE"},
	{"orders", "idx_orders_id_nocase", "id COLLATE NOCASE"},
	// a house's reviews, newest first (the detail page); without it SQLite
	// walks every COMPLETE order through the status index
	{"orders", "idx_orders_house_status_updated", "house, status, updated"},
}

func addReadIndexes(app core.App) error {
	for _, ix := range readIndexes {
		c, err := app.FindCollectionByNameOrId(ix.collection)
		if err != nil {
			return err
		}
		c.AddIndex(ix.name, false, ix.columns, "")
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}

func dropReadIndexes(app core.App) error {
	for _, ix := range readIndexes {
		c, err := app.FindCollectionByNameOrId(ix.collection)
		if err != nil {
			return err
		}
		c.RemoveIndex(ix.name)
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
