// Package order implements bookings (API.md §4): booking without double
// booking, the guest's and the landlord's lists, accept / reject / cancel,
// reviews, and the cron job that cancels unanswered orders.
package order

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
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
// them (API.md §4; WAIT_PAYMENT and PAID are reserved for a payment step).
var transitions = map[string][]string{
	WaitAccept:  {WaitComment, Rejected, Canceled, WaitPayment},
	WaitPayment: {Paid, Canceled},
	Paid:        {WaitComment},
	WaitComment: {Complete},
}

// ExpiredComment is the reason the cron job gives when it cancels.
const ExpiredComment = "房东未及时接单"

// Config holds the module's settings.
type Config struct {
	Now      func() time.Time
	Location *time.Location // calendar dates, "today"
}

type module struct {
	cfg Config
}

// Register binds the order routes, the status and overlap hooks, and the
// expiry cron job.
func Register(app core.App, a *api.API, cfg Config) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	m := &module{cfg: cfg}
	m.bindHooks(app)
	m.routes(a)
	return app.Cron().Add("ihome.order.expire", "*/5 * * * *", func() {
		if n, err := m.expire(app); err != nil {
			app.Logger().Error("order expiry failed", "error", err)
		} else if n > 0 {
			app.Logger().Info("orders canceled: landlord did not answer in time", "count", n)
		}
	})
}

func (m *module) today() string {
	return m.cfg.Now().In(m.cfg.Location).Format("2006-01-02")
}
