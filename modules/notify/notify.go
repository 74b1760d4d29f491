// Package notify tells landlords and guests what happens to their orders
// (API.md §8). Each event is written to notifications, with an SMS outbox
// row, in the transaction of the change that caused it: a booking that
// rolls back leaves nothing, a committed one is never without its
// notification. A worker then sends the outbox as text messages through
// the configured sms.Provider, outside any transaction or request, at
// least once, with retries, exponential backoff and an idempotency key;
// quiet hours delay what is not urgent. Staff see the outbox (attempts,
// next try, last error, sent time) in the admin UI. Users read their
// notifications with GET /notifications and mark them read.
//
// It sits above order and payment (DESIGN.md §2): it binds its hooks on
// the orders and payments collections through their modules' exported
// names.
package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
	"ihome/internal/sms"
)

// Collections and fields owned by this module.
const (
	Collection       = "notifications" // what a user is told (integer ids)
	OutboxCollection = "notify_outbox" // the text messages to send

	FieldUser  = "user"
	FieldKind  = "kind"
	FieldOrder = "order"
	FieldText  = "text"
	FieldRead  = "read"

	FieldNotification = "notification"
	FieldMobile       = "mobile"
	FieldTemplate     = "template"
	FieldParams       = "params"
	FieldKey          = "key"
	FieldUrgent       = "urgent"
	FieldState        = "state"
	FieldAttempts     = "attempts"
	FieldNextTry      = "next_try"
	FieldLastError    = "last_error"
	FieldSentAt       = "sent_at"
	FieldProvider     = "provider"
)

// Notification kinds (API.md §8.2), the "kind" of GET /notifications.
const (
	KindOrderNew      = "order_new"      // landlord: a guest booked
	KindOrderAccepted = "order_accepted" // guest: the landlord accepted
	KindOrderRejected = "order_rejected" // guest: the landlord rejected
	KindOrderCanceled = "order_canceled" // guest: the order was canceled
	KindOrderExpired  = "order_expired"  // guest: the landlord did not answer in time
	// Payment kinds (API.md §6). KindPaid and KindPayExpired follow the
	// order's status (WAIT_PAYMENT → PAID; → CANCELED with
	// payment.PayExpiredComment); KindRefunded follows the payment's
	// confirmed refund (payments.refund growing).
	KindPayExpired = "pay_expired" // guest: the pay window ended
	KindRefunded   = "refunded"    // guest: a refund was made
	KindPaid       = "paid"        // landlord: the guest paid
)

// Outbox states.
const (
	StatePending = "PENDING" // to send at next_try
	StateSent    = "SENT"
	StateFailed  = "FAILED" // gave up: MaxAttempts, or a number the vendor refuses
)

// Defaults of Config.
const (
	DefaultRetryBase   = 30 * time.Second
	DefaultRetryMax    = time.Hour
	DefaultMaxAttempts = 10
	DefaultQuietHours  = "22:00-08:00"
	DefaultPageSize    = 20 // API.md §8.3
	DefaultBatch       = 50
)

// DeliverJobId names the cron job that sends the due outbox rows (the
// worker also runs at start and after each commit that adds one).
const DeliverJobId = "ihome.notify.deliver"

// Config holds the module's settings; zero values take the defaults.
type Config struct {
	// SMS sends the outbox; sms.Log when nil.
	SMS sms.Provider
	// RetryBase is the wait after the first failed attempt; it doubles
	// after each one, up to RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxAttempts: after this many failures a message is FAILED.
	MaxAttempts int
	// QuietHours ("22:00-08:00", server time zone) delay the messages
	// that are not urgent until they end; "off" sends at any hour. The
	// log provider, which texts nobody, ignores them.
	QuietHours string
	PageSize   int // notifications a page (20)
	Batch      int // outbox rows one pass sends at most (50)
	Now        func() time.Time
	Location   *time.Location
}

func (c Config) withDefaults() Config {
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax < c.RetryBase {
		c.RetryMax = max(DefaultRetryMax, c.RetryBase)
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.QuietHours == "" {
		c.QuietHours = DefaultQuietHours
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

type module struct {
	cfg   Config
	quiet quietHours
	// provider names cfg.SMS in the outbox's provider column
	provider string

	pass   sync.Mutex    // one delivery pass at a time (worker, cron, tests)
	mu     sync.Mutex    // guards done
	wake   chan struct{} // a commit added something to send
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker goroutine has ended
}

// Register binds the event hooks on orders, the routes, the outbox
// worker (started when the server starts, stopped when it terminates)
// and its cron job. It does no database work.
func Register(app core.App, a *api.API, cfg Config) error {
	cfg = cfg.withDefaults()
	if cfg.SMS == nil {
		return fmt.Errorf("notify: no SMS provider")
	}
	quiet, err := parseQuietHours(cfg.QuietHours)
	if err != nil {
		return err
	}
	if _, ok := cfg.SMS.(sms.Log); ok {
		quiet = quietHours{} // it wakes nobody: staff and developers read sms_outbox at once
	}
	m := &module{cfg: cfg, quiet: quiet, provider: providerName(cfg.SMS), wake: make(chan struct{}, 1)}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.bindEvents(app)
	m.routes(a)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.notify.worker",
		Func: func(e *core.ServeEvent) error {
			m.start(e.App)
			return e.Next()
		},
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id: "ihome.notify.worker",
		Func: func(e *core.TerminateEvent) error {
			m.stop()
			return e.Next()
		},
	})
	// after the commit: the worker must see the row it is woken for
	wakeOn := func(e *core.RecordEvent) error {
		if e.Record.GetString(FieldState) == StatePending && !e.Record.GetDateTime(FieldNextTry).Time().After(m.cfg.Now()) {
			m.signal()
		}
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(OutboxCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "ihome.notify.wake", Func: wakeOn})
	app.OnRecordAfterUpdateSuccess(OutboxCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "ihome.notify.wake", Func: wakeOn})

	return app.Cron().Add(DeliverJobId, "* * * * *", func() { m.deliver(m.ctx, app) })
}

// providerName is what the outbox records as the sender.
func providerName(p sms.Provider) string {
	name := fmt.Sprintf("%T", p)
	name = name[strings.LastIndex(name, ".")+1:]
	return strings.ToLower(strings.TrimPrefix(name, "*"))
}
