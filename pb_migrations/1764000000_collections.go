// Package migrations holds iHome's schema and seed data as Go migrations.
// They are compiled into the binary and applied at start-up.
package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/intid"
)

func init() {
	m.Register(createCollections, dropCollections)
}

// Limits that the schema itself enforces, in line with API.md.
const (
	avatarMaxSize = 5 << 20
	imageMaxSize  = 10 << 20
	maxHouseImgs  = 20
)

var imageMimeTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

func createCollections(app core.App) error {
	if _, err := app.DB().NewQuery("CREATE TABLE IF NOT EXISTS " + intid.Table +
		" (name TEXT PRIMARY KEY NOT NULL, last INTEGER NOT NULL DEFAULT 0)").Execute(); err != nil {
		return err
	}

	users, err := extendUsers(app)
	if err != nil {
		return err
	}

	areas := integerIdCollection("areas")
	areas.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 32})
	addTimestamps(areas)
	areas.AddIndex("idx_areas_name", true, "name", "")
	if err := app.Save(areas); err != nil {
		return err
	}

	facilities := integerIdCollection("facilities")
	facilities.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 32})
	addTimestamps(facilities)
	facilities.AddIndex("idx_facilities_name", true, "name", "")
	if err := app.Save(facilities); err != nil {
		return err
	}

	houses := integerIdCollection("houses")
	houses.Fields.Add(
		&core.RelationField{Name: "owner", Required: true, MaxSelect: 1, CollectionId: users.Id},
		&core.RelationField{Name: "area", Required: true, MaxSelect: 1, CollectionId: areas.Id},
		&core.TextField{Name: "title", Required: true, Max: 64},
		&core.NumberField{Name: "price", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Help: "fen (1/100 yuan)"},
		&core.TextField{Name: "address", Required: true, Max: 128},
		&core.NumberField{Name: "room_count", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(100.0)},
		&core.NumberField{Name: "acreage", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(100000.0)},
		&core.TextField{Name: "unit", Required: true, Max: 32},
		&core.NumberField{Name: "capacity", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(100.0)},
		&core.TextField{Name: "beds", Required: true, Max: 64},
		&core.NumberField{Name: "deposit", OnlyInt: true, Min: types.Pointer(0.0), Help: "fen (1/100 yuan)"},
		&core.NumberField{Name: "min_days", Required: true, OnlyInt: true, Min: types.Pointer(1.0)},
		&core.NumberField{Name: "max_days", OnlyInt: true, Min: types.Pointer(0.0), Help: "0 = no limit"},
		&core.RelationField{Name: "facilities", MaxSelect: 64, CollectionId: facilities.Id},
		&core.FileField{Name: "images", MaxSelect: maxHouseImgs, MaxSize: imageMaxSize, MimeTypes: imageMimeTypes,
			Thumbs: []string{"320x200", "640x400"}, Help: "the first picture is the index picture"},
		&core.NumberField{Name: "order_count", OnlyInt: true, Min: types.Pointer(0.0)},
		&core.BoolField{Name: "hidden", Help: "hidden houses are left out of every public list"},
	)
	addTimestamps(houses)
	houses.AddIndex("idx_houses_area_created", false, "area, created", "")
	houses.AddIndex("idx_houses_owner_created", false, "owner, created", "")
	houses.AddIndex("idx_houses_price", false, "price", "")
	houses.AddIndex("idx_houses_order_count", false, "order_count", "")
	if err := app.Save(houses); err != nil {
		return err
	}

	orders := integerIdCollection("orders")
	orders.Fields.Add(
		&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id},
		&core.RelationField{Name: "guest", Required: true, MaxSelect: 1, CollectionId: users.Id},
		&core.TextField{Name: "start_date", Required: true, Pattern: `^\d{4}-\d{2}-\d{2}$`},
		&core.TextField{Name: "end_date", Required: true, Pattern: `^\d{4}-\d{2}-\d{2}$`},
		&core.NumberField{Name: "days", Required: true, OnlyInt: true, Min: types.Pointer(1.0)},
		&core.NumberField{Name: "price", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Help: "fen, the house price when booked"},
		&core.NumberField{Name: "amount", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Help: "fen"},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{
			"WAIT_ACCEPT", "WAIT_PAYMENT", "PAID", "WAIT_COMMENT", "COMPLETE", "CANCELED", "REJECTED"}},
		&core.TextField{Name: "comment", Max: 500},
	)
	addTimestamps(orders)
	orders.AddIndex("idx_orders_house_dates", false, "house, start_date, end_date", "")
	orders.AddIndex("idx_orders_guest_created", false, "guest, created", "")
	orders.AddIndex("idx_orders_status_start", false, "status, start_date", "")
	if err := app.Save(orders); err != nil {
		return err
	}

	sessions := core.NewBaseCollection("sessions")
	sessions.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.DateField{Name: "expires", Required: true},
		&core.TextField{Name: "ip", Max: 64},
		&core.TextField{Name: "user_agent", Max: 255},
	)
	addTimestamps(sessions)
	sessions.AddIndex("idx_sessions_user", false, "user", "")
	sessions.AddIndex("idx_sessions_expires", false, "expires", "")
	if err := app.Save(sessions); err != nil {
		return err
	}

	captchas := core.NewBaseCollection("captchas")
	captchas.Fields.Add(
		&core.TextField{Name: "key", Required: true, Max: 64},
		&core.TextField{Name: "code", Required: true, Max: 16},
		&core.DateField{Name: "expires", Required: true},
	)
	addTimestamps(captchas)
	captchas.AddIndex("idx_captchas_key", true, "key", "")
	captchas.AddIndex("idx_captchas_expires", false, "expires", "")
	if err := app.Save(captchas); err != nil {
		return err
	}

	smsCodes := core.NewBaseCollection("sms_codes")
	smsCodes.Fields.Add(
		&core.TextField{Name: "mobile", Required: true, Max: 11},
		&core.TextField{Name: "code", Required: true, Max: 16},
		&core.DateField{Name: "expires", Required: true},
		&core.NumberField{Name: "tries", OnlyInt: true, Min: types.Pointer(0.0)},
	)
	addTimestamps(smsCodes)
	smsCodes.AddIndex("idx_sms_codes_mobile", true, "mobile", "")
	smsCodes.AddIndex("idx_sms_codes_expires", false, "expires", "")
	if err := app.Save(smsCodes); err != nil {
		return err
	}

	outbox := core.NewBaseCollection("sms_outbox")
	outbox.Fields.Add(
		&core.TextField{Name: "mobile", Required: true, Max: 11},
		&core.TextField{Name: "text", Required: true, Max: 500},
	)
	addTimestamps(outbox)
	outbox.AddIndex("idx_sms_outbox_mobile_created", false, "mobile, created", "")
	outbox.AddIndex("idx_sms_outbox_created", false, "created", "")
	return app.Save(outbox)
}

// extendUsers turns PocketBase's default users collection into iHome's:
// integer ids, identified by mobile, private fields hidden, and the generic
// auth endpoints off (login goes through /api/v1.0 and its lock-out).
func extendUsers(app core.App) (*core.Collection, error) {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	useIntegerIds(users)
	lockRules(users)
	users.AuthRule = nil
	users.ManageRule = nil
	users.PasswordAuth.Enabled = false
	users.OAuth2.Enabled = false
	users.OTP.Enabled = false
	users.MFA.Enabled = false

	if email, ok := users.Fields.GetByName("email").(*core.EmailField); ok {
		email.Required = false
	}
	if name, ok := users.Fields.GetByName("name").(*core.TextField); ok {
		name.Max = 32
	}
	if avatar, ok := users.Fields.GetByName("avatar").(*core.FileField); ok {
		avatar.MimeTypes = imageMimeTypes
		avatar.MaxSize = avatarMaxSize
		avatar.Thumbs = []string{"100x100"}
	}
	users.Fields.Add(
		&core.TextField{Name: "mobile", Required: true, Pattern: `^1[3-9]\d{9}$`, Hidden: true},
		&core.TextField{Name: "real_name", Max: 30, Hidden: true},
		&core.TextField{Name: "id_card", Max: 18, Pattern: `^\d{17}[\dX]$`, Hidden: true},
	)
	users.AddIndex("idx_users_mobile", true, "mobile", "")
	users.AddIndex("idx_users_name", true, "name", "name != ''")
	users.AddIndex("idx_users_id_card", true, "id_card", "id_card != ''")
	return users, app.Save(users)
}

func integerIdCollection(name string) *core.Collection {
	c := core.NewBaseCollection(name)
	useIntegerIds(c)
	lockRules(c)
	return c
}

// useIntegerIds makes the id a decimal number. The autogenerate pattern only
// tells the admin UI the id may be left empty: intid assigns the real one.
func useIntegerIds(c *core.Collection) {
	id, _ := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
	id.Pattern = intid.Pattern
	id.Min = 1
	id.Max = 15
	id.AutogeneratePattern = `9[0-9]{14}`
}

// lockRules leaves every record API operation to superusers: /api/v1.0 is
// the only public door (API.md §5).
func lockRules(c *core.Collection) {
	c.ListRule = nil
	c.ViewRule = nil
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil
}

func addTimestamps(c *core.Collection) {
	c.Fields.Add(
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
}

func dropCollections(app core.App) error {
	for _, name := range []string{"sms_outbox", "sms_codes", "captchas", "sessions", "orders", "houses", "facilities", "areas"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	_, err := app.DB().NewQuery("DROP TABLE IF EXISTS " + intid.Table).Execute()
	return err
}
