// Package payment is the payment step of API.md §6: an accepted order
// waits for its payment (WAIT_PAYMENT) for a pay window, the guest pays on
// the provider's cashier page (Alipay page pay, or a local fake cashier),
// and only the provider's word — its signed notify, or its answer to a
// trade query — makes the order PAID. Canceling a paid order refunds it by
// the house's cancellation policy; a payment that arrives for an order no
// longer payable is refunded in full.
//
// Money is never lost nor taken twice:
//   - every order change and the change of its payment row commit in one
//     transaction (the rules are hooks on orders, so they hold for every
//     writer: the API, the cron jobs, staff in the admin UI);
//   - provider calls (close a trade, refund) are never made inside a
//     transaction: the payments row written in the transaction is the
//     outbox (close_pending, refund_due > refund) that a call right after
//     the commit, and a cron job until it succeeds, settle;
//   - refunds carry an idempotency key (out_request_no), so a call made
//     twice refunds once.
//
// It sits above order and calendar (DESIGN.md §2); notify, above it,
// watches the payments collection for refunds.
package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/modules/order"
)

// Collection and fields of payments (API.md §6.5; superuser-only).
const (
	Collection        = "payments"
	FieldOrder        = "order"
	FieldProvider     = "provider"
	FieldOutTradeNo   = "out_trade_no"
	FieldAmount       = "amount" // fen
	FieldStatus       = "status"
	FieldExpiresAt    = "expires_at" // end of the pay window
	FieldTradeNo      = "trade_no"
	FieldPaidAt       = "paid_at"
	FieldRefund       = "refund"     // fen refunded, confirmed by the provider
	FieldRefundDue    = "refund_due" // fen to refund in all
	FieldOutRequestNo = "out_request_no"
	FieldRefundedAt   = "refunded_at"
	FieldClosePending = "close_pending"
	FieldAttempts     = "attempts"
	FieldNextTry      = "next_try"
	FieldLastError    = "last_error"
	FieldPayURL       = "pay_url"
	FieldNotify       = "notify" // the verified notify that recorded the payment, raw (a repeat changes nothing)
)

// Payment statuses (API.md §6.5). A PAID payment whose order was canceled
// keeps PAID while its refund is due (refund_due > refund), and when the
// policy refunds nothing.
const (
	Created       = "CREATED"
	Paid          = "PAID"
	Closed        = "CLOSED"
	Refunded      = "REFUNDED"
	PartialRefund = "PARTIAL_REFUND"
)

// PayExpiredComment is the comment of an order canceled because its pay
// window ended (API.md §6).
const PayExpiredComment = "未在规定时间内支付"

// Providers (--payment).
const (
	ProviderNone   = "none"
	ProviderAlipay = "alipay"
	ProviderFake   = "fake"
)

// Cron job ids.
const (
	WindowJobId   = "ihome.payment.window"   // ends the pay windows that are over (every minute)
	QueryJobId    = "ihome.payment.query"    // asks the provider about unpaid payments (missed notifies)
	SettleJobId   = "ihome.payment.settle"   // retries the closes and refunds that failed
	CheckoutJobId = "ihome.payment.checkout" // PAID → WAIT_COMMENT the day after end_date
)

// Defaults of Config.
const (
	DefaultPayWindow  = 30 * time.Minute // API.md §6
	DefaultQueryAfter = 2 * time.Minute  // API.md §6.3
	DefaultTimeout    = 10 * time.Second
	DefaultRetryBase  = time.Minute
	DefaultRetryMax   = time.Hour
	DefaultBatch      = 100
)

// Config holds the module's settings; zero values take the defaults.
type Config struct {
	// Provider is none (no payment step: accept → WAIT_COMMENT, API.md
	// §4.3), alipay or fake (a local cashier page, for demos and tests).
	Provider string
	// PayWindow is how long an accepted order waits for its payment.
	PayWindow time.Duration
	// QueryAfter: an unpaid payment older than this is queried at the
	// provider by a cron job, in case its notify was lost.
	QueryAfter time.Duration
	// Timeout bounds one call to the provider.
	Timeout time.Duration
	// RetryBase is the wait after a failed close or refund; it doubles
	// with each failure, up to RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Batch is how many payments one pass of a cron job handles at most.
	Batch int
	// Alipay configures --payment alipay (docs/PAYMENTS.md).
	Alipay AlipayConfig
	// FakeReturnURL is where the fake cashier sends the browser after
	// paying (default /paycomplete.html on this server).
	FakeReturnURL string
	Now           func() time.Time
	Location      *time.Location
}

func (c Config) withDefaults() Config {
	if c.Provider == "" {
		c.Provider = ProviderNone
	}
	if c.PayWindow <= 0 {
		c.PayWindow = DefaultPayWindow
	}
	if c.QueryAfter <= 0 {
		c.QueryAfter = DefaultQueryAfter
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax < c.RetryBase {
		c.RetryMax = max(DefaultRetryMax, c.RetryBase)
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.FakeReturnURL == "" {
		c.FakeReturnURL = "/paycomplete.html"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// Check refuses a configuration that cannot work: an unknown provider, or
// Alipay configured in part (every setting it needs is named). main calls
// it before anything starts; Register calls it too.
func (c Config) Check() error {
	switch c.Provider {
	case "", ProviderNone, ProviderFake:
		return nil
	case ProviderAlipay:
		if err := c.Alipay.check(); err != nil {
			return err
		}
		_, err := newAlipay(c.Alipay, c.Timeout) // the keys must read and parse
		return err
	}
	return fmt.Errorf("--payment [IHOME_PAYMENT] %q: want none, alipay or fake", c.Provider)
}

// Enabled reports whether a provider is configured: then the landlord's
// accept leads to WAIT_PAYMENT (modules.go sets order.Config.AcceptTo).
func (c Config) Enabled() bool {
	return c.Provider == ProviderAlipay || c.Provider == ProviderFake
}

type module struct {
	cfg  Config
	app  core.App // the app Register got: cron jobs and after-commit calls use it, never inside a transaction
	prov provider // nil with Provider none
	ctx  context.Context
}

// Register binds the payment routes and, when a provider is configured,
// the payment rules on orders (hooks.go) and the cron jobs. It does no
// database work; the fake provider's key is made or read when the server
// starts.
func Register(app core.App, a *api.API, cfg Config) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	m := &module{cfg: cfg.withDefaults(), app: app, ctx: context.Background()}
	switch m.cfg.Provider {
	case ProviderAlipay:
		p, err := newAlipay(m.cfg.Alipay, m.cfg.Timeout)
		if err != nil {
			return err
		}
		m.prov = p
	case ProviderFake:
		m.prov = newFake(app, m)
	}
	m.routes(a)
	if m.prov == nil {
		return nil
	}
	m.bindHooks(app)
	for _, job := range []struct {
		id, spec string
		run      func()
	}{
		{WindowJobId, "* * * * *", m.endWindows},
		{QueryJobId, "* * * * *", m.queryUnpaid},
		{SettleJobId, "* * * * *", m.settleDue},
		{CheckoutJobId, "*/10 * * * *", m.checkout},
	} {
		if err := app.Cron().Add(job.id, job.spec, job.run); err != nil {
			return err
		}
	}
	return nil
}

// now is the module's clock.
func (m *module) now() time.Time { return m.cfg.Now() }

// orderStatus reads o's status (a helper for the order constants).
func orderStatus(o *core.Record) string { return o.GetString(order.FieldStatus) }
