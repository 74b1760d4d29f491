package payment_test

import (
	"testing"
	"time"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
)

// answers collects what concurrent requests got, for the test goroutine
// to check after apptest.Fire.
type answers struct {
	notify []string
	api    []*apptest.Response
}

// TestConcurrentNotifyAndCancel: the notify of a paid trade races the
// guest's cancel. Whichever commits first, the money comes back in full,
// once: a cancel after the notify refunds the paid order by its policy
// (flexible, days ahead: all); a cancel before it finds the trade paid
// when it closes it, and refunds the late payment.
func TestConcurrentNotifyAndCancel(t *testing.T) {
	w := newWorld(t)
	const n = 8
	orders := make([]string, n)
	notices := make([]map[string][]string, n)
	for i := range n {
		id, _, notice := w.paidAtGateway(t)
		orders[i], notices[i] = id, notice
	}
	got := answers{notify: make([]string, n)}
	got.api = apptest.Fire(2*n, func(i int) *apptest.Response {
		if i%2 == 0 {
			got.notify[i/2] = w.notify(t, notices[i/2])
			return &apptest.Response{Status: 200, Errno: "0"}
		}
		return w.cancel(orders[i/2])
	})
	for i, r := range got.api {
		if r.Errno != "0" {
			t.Errorf("request %d: HTTP %d %s", i, r.Status, r.Body)
		}
	}
	for i, a := range got.notify {
		if a != "success" {
			t.Errorf("notify %d answered %q", i, a)
		}
	}
	for _, id := range orders {
		if s := w.orderStatus(t, id); s != "CANCELED" {
			t.Errorf("order %s is %s", id, s)
		}
		w.lateRefunded(t, id, w.payment(t, id).GetString("out_trade_no"))
	}
	w.checkMoney(t)
}

// TestConcurrentNotifyAndWindow: the notify of a trade paid at the last
// moment races the job that ends the window (unable to ask the provider
// first). Either the order is PAID and kept, or it is canceled and the
// payment refunded in full; never paid and canceled, never refunded twice.
func TestConcurrentNotifyAndWindow(t *testing.T) {
	w := newWorld(t)
	const n = 8
	orders := make([]string, n)
	notices := make([]map[string][]string, n)
	for i := range n {
		id, _, notice := w.paidAtGateway(t)
		orders[i], notices[i] = id, notice
	}
	w.gw.SetMode("alipay.trade.query", alipayfake.Fail)
	w.app.Clock.Advance(31 * time.Minute)
	// each notify races a run of the job (runs at once skip what another
	// run has ended), so both orders of events happen
	notified := make([]string, n)
	apptest.Fire(2*n, func(i int) *apptest.Response {
		if i%2 == 1 {
			w.runJob(t, "ihome.payment.window")
		} else {
			notified[i/2] = w.notify(t, notices[n-1-i/2])
		}
		return &apptest.Response{}
	})
	for i, a := range notified {
		if a != "success" {
			t.Errorf("notify %d answered %q", i, a)
		}
	}
	// closes that found a paid trade and could not ask: retried
	w.gw.SetMode("alipay.trade.query", alipayfake.OK)
	w.app.Clock.Advance(time.Hour)
	w.runJob(t, "ihome.payment.settle")
	kept, refunded := 0, 0
	for _, id := range orders {
		switch s := w.orderStatus(t, id); s {
		case "PAID":
			kept++
		case "CANCELED":
			refunded++
			w.lateRefunded(t, id, w.payment(t, id).GetString("out_trade_no"))
		default:
			t.Errorf("order %s is %s", id, s)
		}
	}
	t.Logf("%d kept, %d refunded", kept, refunded)
	w.checkMoney(t)
}

// TestConcurrentRefunds: the refund of one cancel made twice at once (the
// call after the commit, and settle jobs) refunds once: the idempotency
// key holds at the provider and the row records one refund.
func TestConcurrentRefunds(t *testing.T) {
	w := newWorld(t)
	t.Run("settle jobs at once", func(t *testing.T) {
		orderId, otn := w.paid(t)
		w.gw.SetMode("alipay.trade.refund", alipayfake.Fail)
		w.cancel(orderId).OK(t)
		w.gw.SetMode("alipay.trade.refund", alipayfake.OK)
		w.app.Clock.Advance(2 * time.Minute)
		apptest.Fire(4, func(int) *apptest.Response {
			w.runJob(t, "ihome.payment.settle")
			return &apptest.Response{}
		})
		w.lateRefunded(t, orderId, otn)
	})
	t.Run("the cancel's own call and a settle job", func(t *testing.T) {
		orderId, otn := w.paid(t)
		rs := apptest.Fire(3, func(i int) *apptest.Response {
			if i == 0 {
				return w.cancel(orderId)
			}
			w.runJob(t, "ihome.payment.settle")
			return &apptest.Response{Errno: "0"}
		})
		if rs[0].Errno != "0" {
			t.Fatalf("cancel: %s", rs[0].Body)
		}
		w.runJob(t, "ihome.payment.settle")
		w.lateRefunded(t, orderId, otn)
	})
	w.checkMoney(t)
}
