package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(func(app core.App) error {
		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		// a house's reviews, newest first (the detail page); without it
		// SQLite walks every COMPLETE order through the status index
		orders.AddIndex("idx_orders_house_status_updated", false, "house, status, updated", "")
		return app.Save(orders)
	}, func(app core.App) error {
		orders, err := app.FindCollectionByNameOrId("orders")
		if err != nil {
			return err
		}
		orders.RemoveIndex("idx_orders_house_status_updated")
		return app.Save(orders)
	})
}
