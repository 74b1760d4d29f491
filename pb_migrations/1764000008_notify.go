package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(createNotify, dropNotify)
}

// createNotify adds the notifications of API.md §8: what each user is told
// (in-app, integer ids as the API shows them) and the SMS outbox the
// worker delivers from, whose attempts, next try, last error and sent time
// staff read in the admin UI. Both superuser-only.
func createNotify(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	orders, err := app.FindCollectionByNameOrId("orders")
	if err != nil {
		return err
	}

	notes := integerIdCollection("notifications")
	notes.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{
			"order_new", "order_accepted", "order_rejected", "order_canceled", "order_expired",
			"pay_expired", "refunded", "paid"}},
		&core.RelationField{Name: "order", MaxSelect: 1, CollectionId: orders.Id, CascadeDelete: true},
		&core.TextField{Name: "text", Required: true, Max: 500},
		&core.BoolField{Name: "read"},
	)
	addTimestamps(notes)
	notes.AddIndex("idx_notifications_user_created", false, "user, created", "")
	notes.AddIndex("idx_notifications_user_read", false, "user, read", "")
	if err := app.Save(notes); err != nil {
		return err
	}

	outbox := core.NewBaseCollection("notify_outbox")
	lockRules(outbox)
	outbox.Fields.Add(
		&core.RelationField{Name: "notification", Required: true, MaxSelect: 1, CollectionId: notes.Id, CascadeDelete: true},
		&core.TextField{Name: "mobile", Required: true, Pattern: `^1[3-9]\d{9}$`},
		&core.TextField{Name: "template", Required: true, Max: 32, Help: "internal/sms template name (docs/SMS.md)"},
		&core.JSONField{Name: "params", MaxSize: 2000, Help: "the template's parameters"},
		&core.TextField{Name: "key", Required: true, Max: 64, Help: "idempotency key: Aliyun OutId, Tencent SessionContext"},
		&core.BoolField{Name: "urgent", Help: "sent during quiet hours too"},
		&core.SelectField{Name: "state", Required: true, MaxSelect: 1, Values: []string{"PENDING", "SENT", "FAILED"},
			Help: "set back to PENDING (attempts 0) to send a FAILED message again"},
		&core.NumberField{Name: "attempts", OnlyInt: true, Min: types.Pointer(0.0)},
		&core.DateField{Name: "next_try", Help: "not sent before this time"},
		&core.TextField{Name: "last_error", Max: 1000},
		&core.DateField{Name: "sent_at"},
		&core.TextField{Name: "provider", Max: 16, Help: "the SMS provider that sent it"},
	)
	addTimestamps(outbox)
	outbox.AddIndex("idx_notify_outbox_key", true, "key", "")
	outbox.AddIndex("idx_notify_outbox_state_next", false, "state, next_try", "")
	return app.Save(outbox)
}

func dropNotify(app core.App) error {
	for _, name := range []string{"notify_outbox", "notifications"} {
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
