package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/modules/order"
)

// Answers of the notify route (Alipay's protocol: plain text).
const (
	notifySuccess = "success"
	notifyFailure = "failure"
)

// POST /payments/alipay/notify: the provider tells that a trade was paid
// (API.md §6.2). No session, no CSRF: a server-to-server form post. The
// only source of truth for "paid", with the cron job's trade queries.
// Answers the plain text success (recorded, or nothing to record) or
// failure (refused, or not recorded: the provider sends it again).
func (m *module) notify(e *core.RequestEvent) error {
	if err := e.Request.ParseForm(); err != nil {
		var tooLarge *router.ApiError
		if errors.As(err, &tooLarge) {
			return err // 413 in the envelope, as every route answers
		}
		return plain(e, notifyFailure)
	}
	if err := m.receive(e.Request.Context(), e.Request.PostForm); err != nil {
		level := e.App.Logger().Warn
		if !errors.Is(err, errBadNotify) {
			level = e.App.Logger().Error
		}
		level("payment: notify not recorded", "out_trade_no", e.Request.PostForm.Get("out_trade_no"), "error", err)
		return plain(e, notifyFailure)
	}
	return plain(e, notifySuccess)
}

func plain(e *core.RequestEvent, s string) error {
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.String(http.StatusOK, s)
}

// receive verifies a notify and records what it says: the signature and
// app id, that out_trade_no is ours, that total_amount is what was asked,
// then, for a paid trade, the payment and its order in one transaction.
// A notify of another trade state (a refund's, say) is verified and
// changes nothing. errBadNotify marks a refused notify.
func (m *module) receive(ctx context.Context, form url.Values) error {
	if m.prov == nil {
		return fmt.Errorf("%w: no payment provider is configured", errBadNotify)
	}
	if err := m.prov.verify(ctx, form); err != nil {
		return err
	}
	otn := form.Get("out_trade_no")
	p, err := m.app.FindFirstRecordByData(Collection, FieldOutTradeNo, otn)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: unknown out_trade_no %q", errBadNotify, otn)
	} else if err != nil {
		return err
	}
	fen, ok := parseYuan(form.Get("total_amount"))
	if !ok || fen != int64(p.GetInt(FieldAmount)) {
		return fmt.Errorf("%w: total_amount %q, asked %s", errBadNotify, form.Get("total_amount"), yuan(int64(p.GetInt(FieldAmount))))
	}
	if !isPaidStatus(form.Get("trade_status")) {
		return nil
	}
	raw := map[string]string{}
	for k := range form {
		raw[k] = form.Get(k)
	}
	_, err = m.paid(otn, trade{exists: true, status: form.Get("trade_status"), amount: fen,
		tradeNo: form.Get("trade_no"), paidAt: beijingTime(form.Get("gmt_payment"))}, raw)
	return err
}

// beijingTime reads the provider's time (Beijing); zero when absent or bad.
func beijingTime(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, beijing)
	if err != nil {
		return time.Time{}
	}
	return t
}

// outcome is what paid did.
type outcome int

const (
	paidNow    outcome = iota // the order went WAIT_PAYMENT → PAID
	paidBefore                // recorded already: nothing changed
	paidLate                  // the order was no longer payable: refunded in full
)

// paid records, in one transaction, that trade t of payment otn was paid
// (the provider said so): the payment PAID with its trade number and
// time, and its order WAIT_PAYMENT → PAID; or, for an order that expired
// or was canceled meanwhile, the whole amount owed back to the guest,
// refunded right after the commit (API.md §6.2). raw is the notify, kept
// on the payment (nil for a query's answer). A payment recorded already
// is left alone.
func (m *module) paid(otn string, t trade, raw map[string]string) (outcome, error) {
	var out outcome
	var err error
	err = m.app.RunInTransaction(func(tx core.App) error {
		p, err := tx.FindFirstRecordByData(Collection, FieldOutTradeNo, otn)
		if err != nil {
			return err
		}
		was := p.GetString(FieldStatus)
		if was != Created && was != Closed {
			out = paidBefore
			return nil
		}
		o, err := tx.FindRecordById(order.Collection, p.GetString(FieldOrder))
		if err != nil {
			return err
		}
		at := t.paidAt
		if at.IsZero() {
			at = m.now()
		}
		p.Set(FieldStatus, Paid)
		p.Set(FieldTradeNo, t.tradeNo)
		p.Set(FieldPaidAt, at)
		p.Set(FieldClosePending, false) // a paid trade cannot be closed
		if raw != nil {
			p.Set(FieldNotify, raw)
		}
		if was == Created && orderStatus(o) == order.WaitPayment {
			if err := tx.Save(p); err != nil {
				return err
			}
			o.Set(order.FieldStatus, order.Paid) // the payment rules see the payment PAID
			out = paidNow
			return tx.Save(o)
		}
		amount := int64(p.GetInt(FieldAmount))
		m.owe(p, amount)
		if err := tx.Save(p); err != nil {
			return err
		}
		o.Set(order.FieldRefund, amount)
		if err := tx.Save(o); err != nil {
			return err
		}
		out = paidLate
		m.settleAfterCommit(tx, p.Id)
		return nil
	})
	return out, err
}
