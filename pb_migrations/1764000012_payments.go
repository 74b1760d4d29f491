package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(createPayments, dropPayments)
}

// createPayments adds the payment step of API.md §6: the houses'
// cancellation policy (§3.3, §6.4), the refund shown on orders, and the
// superuser-only payments collection (§6.5), which is also the outbox of
// the provider calls (close a trade, refund) that follow a committed change.
func createPayments(app core.App) error {
	houses, err := app.FindCollectionByNameOrId("houses")
	if err != nil {
		return err
	}
	houses.Fields.Add(&core.SelectField{Name: "cancel_policy", MaxSelect: 1,
		Values: []string{"flexible", "moderate", "strict"},
		Help:   "API.md §6.4; empty means flexible"})
	if err := app.Save(houses); err != nil {
		return err
	}
	if _, err := app.DB().NewQuery("UPDATE houses SET cancel_policy = 'flexible' WHERE cancel_policy = ''").Execute(); err != nil {
		return err
	}

	orders, err := app.FindCollectionByNameOrId("orders")
	if err != nil {
		return err
	}
	orders.Fields.Add(&core.NumberField{Name: "refund", OnlyInt: true, Min: types.Pointer(0.0),
		Help: "fen refunded (or being refunded) to the guest: written by the payment module"})
	if err := app.Save(orders); err != nil {
		return err
	}

	payments := core.NewBaseCollection("payments")
	lockRules(payments)
	payments.Fields.Add(
		// no cascade: a payment is a record of money, it outlives nothing
		&core.RelationField{Name: "order", Required: true, MaxSelect: 1, CollectionId: orders.Id},
		&core.TextField{Name: "provider", Required: true, Max: 16},
		&core.TextField{Name: "out_trade_no", Required: true, Max: 64, Pattern: `^[0-9A-Za-z_]+$`},
		&core.NumberField{Name: "amount", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Help: "fen"},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{
			"CREATED", "PAID", "CLOSED", "REFUNDED", "PARTIAL_REFUND"}},
		&core.DateField{Name: "expires_at", Required: true, Help: "end of the pay window"},
		&core.TextField{Name: "trade_no", Max: 64, Help: "the provider's trade number"},
		&core.DateField{Name: "paid_at"},
		&core.NumberField{Name: "refund", OnlyInt: true, Min: types.Pointer(0.0), Help: "fen refunded, confirmed by the provider"},
		&core.NumberField{Name: "refund_due", OnlyInt: true, Min: types.Pointer(0.0),
			Help: "fen to refund (policy, or all of a payment that came too late); retried until refund = refund_due"},
		&core.TextField{Name: "out_request_no", Max: 64, Help: "the refund's idempotency key at the provider"},
		&core.DateField{Name: "refunded_at"},
		&core.BoolField{Name: "close_pending", Help: "the trade must still be closed at the provider"},
		&core.NumberField{Name: "attempts", OnlyInt: true, Min: types.Pointer(0.0), Help: "failed provider calls (close, refund) so far"},
		&core.DateField{Name: "next_try", Help: "the next provider call is not made before this time"},
		&core.TextField{Name: "last_error", Max: 1000},
		&core.TextField{Name: "pay_url", Max: 8000, Hidden: true, Help: "the signed cashier URL, reused while unpaid"},
		&core.JSONField{Name: "notify", MaxSize: 20000, Help: "the verified notify that recorded the payment, raw (repeats change nothing)"},
	)
	addTimestamps(payments)
	payments.AddIndex("idx_payments_out_trade_no", true, "out_trade_no", "")
	payments.AddIndex("idx_payments_order", true, "`order`", "")
	payments.AddIndex("idx_payments_status_expires", false, "status, expires_at", "")
	payments.AddIndex("idx_payments_next_try", false, "next_try", "")
	return app.Save(payments)
}

func dropPayments(app core.App) error {
	if c, err := app.FindCollectionByNameOrId("payments"); err == nil {
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	for _, f := range []struct{ collection, field string }{{"orders", "refund"}, {"houses", "cancel_policy"}} {
		c, err := app.FindCollectionByNameOrId(f.collection)
		if err != nil {
			continue
		}
		c.Fields.RemoveByName(f.field)
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
