package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(createCalendar, dropCalendar)
}

// createCalendar adds the host calendar of API.md §7: blocked ranges (the
// host's own and those imported from iCal feeds), nightly price overrides,
// the feeds and each house's export token. All superuser-only.
func createCalendar(app core.App) error {
	houses, err := app.FindCollectionByNameOrId("houses")
	if err != nil {
		return err
	}
	dates := func() []core.Field {
		return []core.Field{
			&core.TextField{Name: "first_day", Required: true, Pattern: `^\d{4}-\d{2}-\d{2}$`},
			&core.TextField{Name: "last_day", Required: true, Pattern: `^\d{4}-\d{2}-\d{2}$`, Help: "inclusive"},
		}
	}

	feeds := core.NewBaseCollection("calendar_feeds")
	lockRules(feeds)
	feeds.Fields.Add(
		&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id, CascadeDelete: true},
		&core.URLField{Name: "url", Required: true},
		&core.DateField{Name: "last_sync"},
		&core.TextField{Name: "last_error", Max: 500},
	)
	addTimestamps(feeds)
	feeds.AddIndex("idx_calendar_feeds_house", false, "house", "")
	if err := app.Save(feeds); err != nil {
		return err
	}

	blocks := integerIdCollection("calendar_blocks")
	blocks.Fields.Add(&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id, CascadeDelete: true})
	blocks.Fields.Add(dates()...)
	blocks.Fields.Add(
		&core.RelationField{Name: "feed", MaxSelect: 1, CollectionId: feeds.Id, CascadeDelete: true, Help: "empty: blocked by the host"},
		&core.TextField{Name: "uid", Max: 255, Help: "the imported event's UID"},
		&core.BoolField{Name: "conflict", Help: "imported over an occupying order: kept and shown, never dropped"},
	)
	addTimestamps(blocks)
	blocks.AddIndex("idx_calendar_blocks_house_dates", false, "house, first_day, last_day", "")
	blocks.AddIndex("idx_calendar_blocks_feed", false, "feed", "")
	blocks.AddIndex("idx_calendar_blocks_id_nocase", false, "id COLLATE NOCASE", "")
	if err := app.Save(blocks); err != nil {
		return err
	}

	prices := core.NewBaseCollection("calendar_prices")
	lockRules(prices)
	prices.Fields.Add(&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id, CascadeDelete: true})
	prices.Fields.Add(dates()...)
	prices.Fields.Add(&core.NumberField{Name: "price", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Help: "fen a night"})
	addTimestamps(prices)
	prices.AddIndex("idx_calendar_prices_house_dates", false, "house, first_day, last_day", "")
	if err := app.Save(prices); err != nil {
		return err
	}

	tokens := core.NewBaseCollection("calendar_tokens")
	lockRules(tokens)
	tokens.Fields.Add(
		&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id, CascadeDelete: true},
		&core.TextField{Name: "token", Required: true, Min: 32, Max: 64, Hidden: true},
	)
	addTimestamps(tokens)
	tokens.AddIndex("idx_calendar_tokens_house", true, "house", "")
	return app.Save(tokens)
}

func dropCalendar(app core.App) error {
	for _, name := range []string{"calendar_tokens", "calendar_prices", "calendar_blocks", "calendar_feeds"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
