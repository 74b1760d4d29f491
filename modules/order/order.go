// Package order implements bookings (API.md §4): booking without double
// booking, the guest's and the landlord's lists, accept / reject / cancel,
// reviews, and the cron job that cancels unanswered orders.
package order

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/stay"
)

// Collection and field names of orders.
const (
	Collection     = "orders"
	FieldHouse     = "house"
	FieldGuest     = "guest"
	FieldStartDate = "start_date"
	FieldEndDate   = "end_date"
	FieldDays      = "days"
	FieldPrice     = "price"
	FieldAmount    = "amount"
	FieldStatus    = "status"
	FieldComment   = "comment"
	// FieldRefund is what the guest gets back of a paid order, in fen
	// (API.md §6.4): the payment module writes it in the transaction that
	// cancels the order; 0 when none.
	FieldRefund = "refund"
)

// The longest review and rejection reason, in characters (API.md §4.3,
// §4.4); the comment column holds either.
const (
	maxCommentLength = 500
	maxReasonLength  = 200
)

// Order statuses.
const (
	WaitAccept  = "WAIT_ACCEPT"
	WaitPayment = "WAIT_PAYMENT"
	Paid        = "PAID"
	WaitComment = "WAIT_COMMENT"
	Complete    = "COMPLETE"
	Canceled    = "CANCELED"
	Rejected    = "REJECTED"
)

// transitions lists the status changes an order may make, whoever makes
// them (API.md §4, §6; WAIT_PAYMENT and PAID belong to the payment step).
// An order is born WAIT_ACCEPT; COMPLETE, CANCELED and REJECTED are final.
var transitions = map[string][]string{
	WaitAccept:  {WaitComment, Rejected, Canceled, WaitPayment},
	WaitPayment: {Paid, Canceled},
	Paid:        {WaitComment, Canceled},
	WaitComment: {Complete},
}

// ExpiredComment is the reason the cron job gives when it cancels.
const ExpiredComment = "房东未及时接单"

// ExpireJobId names the cron job that cancels unanswered orders (every
// 5 minutes; API.md §4.3).
const ExpireJobId = "ihome.order.expire"

// Defaults of Config (API.md §1.7).
const (
	DefaultMaxOpenOrders = 5
	DefaultMaxStayDays   = 366
)

// Config holds the module's settings; zero values take the defaults.
type Config struct {
	// MaxOpenOrders caps a guest's orders in WAIT_ACCEPT or WAIT_PAYMENT
	// at once; a booking past it is 4201 (API.md §1.7, default 5).
	MaxOpenOrders int
	// MaxStayDays caps a stay, both ends included, for every writer of an
	// order (API.md §1.7, default 366).
	MaxStayDays int
	// ListPageSize is how many orders a page of GET /orders holds (API.md §1.7, 50).
	ListPageSize int
	// AcceptTo is the status the landlord's accept moves an order to:
	// WaitComment (no payment step, the default) or WaitPayment (a
	// payment provider is configured; API.md §4.3, §6).
	AcceptTo string
	// StayAmount prices a stay [r] of a house whose nightly price is
	// nightly (fen): the host calendar's override prices when the calendar
	// module is wired in (modules.go), days × nightly when nil.
	StayAmount func(app core.App, house string, r stay.Range, nightly int64) (int64, error)
	Now        func() time.Time
	Location   *time.Location // calendar dates, "today"
}

type module struct {
	cfg Config
}

// Register binds the order routes, the order rules (hooks.go) and the
// expiry cron job.
func Register(app core.App, a *api.API, cfg Config) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxOpenOrders <= 0 {
		cfg.MaxOpenOrders = DefaultMaxOpenOrders
	}
	if cfg.MaxStayDays <= 0 {
		cfg.MaxStayDays = DefaultMaxStayDays
	}
	if cfg.ListPageSize <= 0 {
		cfg.ListPageSize = 50
	}
	switch cfg.AcceptTo {
	case "":
		cfg.AcceptTo = WaitComment
	case WaitComment, WaitPayment:
	default:
		return fmt.Errorf("order: accept cannot lead to %q", cfg.AcceptTo)
	}
	if cfg.StayAmount == nil {
		cfg.StayAmount = func(_ core.App, _ string, r stay.Range, nightly int64) (int64, error) {
			return r.Days() * nightly, nil
		}
	}
	m := &module{cfg: cfg}
	m.bindHooks(app)
	m.routes(a)
	return app.Cron().Add(ExpireJobId, "*/5 * * * *", func() {
		if n := m.expire(app); n > 0 {
			app.Logger().Info("orders canceled: landlord did not answer in time", "count", n)
		}
	})
}

// today is the server's calendar date (API.md §1.5).
func (m *module) today() stay.Date {
	return stay.Today(m.cfg.Now(), m.cfg.Location)
}
