package payment_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
)

// TestPayWindowEnds: an order unpaid when its window ends is canceled
// ("未在规定时间内支付"), its payment CLOSED and its trade closed at the
// provider (API.md §6).
func TestPayWindowEnds(t *testing.T) {
	w := newWorld(t)
	openedId, openedOtn := w.opened(t) // the guest saw the cashier: the trade exists
	neverId := w.accepted(t)           // never opened: no trade at the gateway
	w.app.Clock.Advance(29 * time.Minute)
	young := w.accepted(t)
	w.app.Clock.Advance(90 * time.Second)
	w.runJob(t, "ihome.payment.window")

	for _, id := range []string{openedId, neverId} {
		o := w.order(t, id)
		if o.GetString("status") != "CANCELED" || o.GetString("comment") != "未在规定时间内支付" {
			t.Fatalf("order %s: %s %q", id, o.GetString("status"), o.GetString("comment"))
		}
		p := w.payment(t, id)
		if p.GetString("status") != "CLOSED" || p.GetBool("close_pending") {
			t.Fatalf("payment %v", p.FieldsData())
		}
	}
	if tr, _ := w.gw.Trade(openedOtn); tr.Status != "TRADE_CLOSED" {
		t.Fatalf("the trade at the gateway is %s", tr.Status)
	}
	if s := w.orderStatus(t, young); s != "WAIT_PAYMENT" {
		t.Fatalf("an order with a minute left is %s", s)
	}
	// the freed dates can be booked again
	d := w.order(t, neverId).GetString("start_date")
	w.strangerC.Post(v1+"/orders", map[string]any{"house_id": w.house.Id, "start_date": d, "end_date": d}).OK(t)
	w.checkMoney(t)
}

// TestPayWindowKeepsALateNotifiedPayment: the window job asks first; a
// trade paid in time whose notify is late is recorded, not canceled.
func TestPayWindowKeepsALateNotifiedPayment(t *testing.T) {
	w := newWorld(t)
	orderId, _, _ := w.paidAtGateway(t)
	w.app.Clock.Advance(31 * time.Minute)
	w.runJob(t, "ihome.payment.window")
	if s := w.orderStatus(t, orderId); s != "PAID" {
		t.Fatalf("order %s", s)
	}
	w.checkMoney(t)
}

// TestCloseFailureRetried: a close that fails is retried by the settle
// job until it succeeds.
func TestCloseFailureRetried(t *testing.T) {
	w := newWorld(t)
	orderId, otn := w.opened(t)
	w.gw.SetMode("alipay.trade.close", alipayfake.Fail)
	w.cancel(orderId).OK(t)
	p := w.payment(t, orderId)
	if !p.GetBool("close_pending") || p.GetInt("attempts") != 1 || p.GetString("last_error") == "" {
		t.Fatalf("after a failed close: %v", p.FieldsData())
	}
	w.gw.SetMode("alipay.trade.close", alipayfake.OK)
	w.runJob(t, "ihome.payment.settle") // not due yet
	if !w.payment(t, orderId).GetBool("close_pending") {
		t.Fatal("retried before its next try")
	}
	w.app.Clock.Advance(61 * time.Second)
	w.runJob(t, "ihome.payment.settle")
	if p := w.payment(t, orderId); p.GetBool("close_pending") || p.GetInt("attempts") != 0 || p.GetString("last_error") != "" {
		t.Fatalf("after the retry: %v", p.FieldsData())
	}
	if tr, _ := w.gw.Trade(otn); tr.Status != "TRADE_CLOSED" {
		t.Fatalf("trade %s", tr.Status)
	}
}

// TestLatePaymentRefundedInFull: money that arrives for an order that
// was canceled or expired meanwhile is refunded in full, once, and
// recorded (API.md §6.2).
func TestLatePaymentRefundedInFull(t *testing.T) {
	w := newWorld(t)

	t.Run("paid at the cashier while the guest canceled: the close finds it paid", func(t *testing.T) {
		orderId, otn, notice := w.paidAtGateway(t)
		w.cancel(orderId).OK(t)
		w.lateRefunded(t, orderId, otn)
		if got := w.notify(t, notice); got != "success" {
			t.Fatalf("the notify after the refund: %q", got)
		}
		w.lateRefunded(t, orderId, otn)
	})
	t.Run("the notify comes after the pay window ended", func(t *testing.T) {
		orderId, otn := w.opened(t)
		w.gw.SetMode("alipay.trade.query", alipayfake.Fail) // the window job cannot ask
		w.gw.SetMode("alipay.trade.close", alipayfake.Silent)
		w.app.Clock.Advance(31 * time.Minute)
		w.runJob(t, "ihome.payment.window")
		if s := w.orderStatus(t, orderId); s != "CANCELED" {
			t.Fatalf("order %s", s)
		}
		w.gw.SetMode("alipay.trade.query", alipayfake.OK)
		w.gw.SetMode("alipay.trade.close", alipayfake.OK)
		notice, err := w.gw.Pay(otn) // the close never reached the gateway
		if err != nil {
			t.Fatal(err)
		}
		if got := w.notify(t, notice); got != "success" {
			t.Fatalf("late notify %q", got)
		}
		w.lateRefunded(t, orderId, otn)
		// the pending close is dropped: a paid trade is not closed
		w.app.Clock.Advance(time.Hour)
		w.runJob(t, "ihome.payment.settle")
		w.lateRefunded(t, orderId, otn)
	})
	w.checkMoney(t)
}

func (w *world) lateRefunded(t *testing.T, orderId, otn string) {
	t.Helper()
	o, p := w.order(t, orderId), w.payment(t, orderId)
	if o.GetString("status") != "CANCELED" || o.GetInt("refund") != 10000 {
		t.Fatalf("order %s refund %d", o.GetString("status"), o.GetInt("refund"))
	}
	if p.GetString("status") != "REFUNDED" || p.GetInt("refund") != 10000 || p.GetInt("refund_due") != 10000 ||
		p.GetString("trade_no") == "" || p.GetBool("close_pending") {
		t.Fatalf("payment %v", p.FieldsData())
	}
	if tr, _ := w.gw.Trade(otn); tr.Refunded != 10000 || tr.Refunds != 1 {
		t.Fatalf("gateway trade %+v", tr)
	}
}

// TestCancelPaidRefundsByPolicy cancels a paid stay on each boundary day
// of each policy (API.md §6.4) and checks the refund, in fen, on the
// order list, the payment and at the gateway. 100.01 yuan a night: half
// of an odd amount goes up, the odd fen to the guest.
func TestCancelPaidRefundsByPolicy(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		policy string
		ahead  int   // days between the cancel and the start
		want   int64 // fen back of 20002
	}{
		{"flexible", 30, 20002}, {"flexible", 1, 20002}, {"flexible", 0, 0},
		{"moderate", 6, 20002}, {"moderate", 5, 20002}, {"moderate", 4, 10001}, {"moderate", 0, 10001},
		{"strict", 8, 10001}, {"strict", 7, 10001}, {"strict", 6, 0}, {"strict", 0, 0},
	}
	houses := map[string]string{}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s, %d days ahead", c.policy, c.ahead), func(t *testing.T) {
			if houses[c.policy] == "" {
				houses[c.policy] = w.app.CreateHouse(w.landlord, map[string]any{"price": 10001, "cancel_policy": c.policy}).Id
			}
			h, _ := w.app.FindRecordById("houses", houses[c.policy])
			// book i*3 days out (a free stay), pay, then move the clock
			// to `ahead` days before the start
			start := 40 + i*3
			orderId := w.acceptedOn(t, h, start, start+1)
			otn := w.payment(t, orderId).GetString("out_trade_no")
			if err := w.gw.Open(w.payURL(t, orderId)); err != nil {
				t.Fatal(err)
			}
			notice, err := w.gw.Pay(otn)
			if err != nil {
				t.Fatal(err)
			}
			if w.notify(t, notice) != "success" {
				t.Fatal("notify")
			}
			w.app.Clock.Advance(time.Duration(start-c.ahead) * 24 * time.Hour)
			defer w.app.Clock.Advance(-time.Duration(start-c.ahead) * 24 * time.Hour)

			w.cancel(orderId).OK(t)
			if s := w.orderStatus(t, orderId); s != "CANCELED" {
				t.Fatalf("order %s", s)
			}
			var list struct {
				Orders []struct {
					OrderId int64 `json:"order_id"`
					Refund  int64 `json:"refund"`
				} `json:"orders"`
			}
			w.guestC.Get(v1+"/orders?role=custom").OK(t).Decode(t, &list)
			found := false
			for _, o := range list.Orders {
				if fmt.Sprint(o.OrderId) == orderId {
					found = true
					if o.Refund != c.want {
						t.Fatalf("list refund %d, want %d", o.Refund, c.want)
					}
				}
			}
			if !found {
				t.Fatal("order not listed")
			}
			p := w.payment(t, orderId)
			wantStatus := map[bool]string{true: "PARTIAL_REFUND", false: "REFUNDED"}[c.want < 20002]
			if c.want == 0 {
				wantStatus = "PAID"
			}
			if p.GetInt("refund") != int(c.want) || p.GetString("status") != wantStatus {
				t.Fatalf("payment refund %d status %s, want %d %s", p.GetInt("refund"), p.GetString("status"), c.want, wantStatus)
			}
			if tr, _ := w.gw.Trade(otn); tr.Refunded != c.want || tr.Refunds > 1 {
				t.Fatalf("gateway %+v", tr)
			}
		})
	}
	w.checkMoney(t)

	t.Run("not after the start date", func(t *testing.T) {
		orderId, _ := w.paid(t)
		start := w.order(t, orderId).GetString("start_date")
		for w.app.Today(0) <= start {
			w.app.Clock.Advance(24 * time.Hour)
		}
		w.cancel(orderId).Expect(t, http.StatusOK, "4004")
		if s := w.orderStatus(t, orderId); s != "PAID" {
			t.Fatalf("order %s", s)
		}
	})
}

// TestRefundRetriedUntilDone: a refund the provider fails, or never
// answers, leaves the order CANCELED with its refund recorded, and the
// settle job retries it, with backoff, until it succeeds; once.
func TestRefundRetriedUntilDone(t *testing.T) {
	w := newWorld(t)
	orderId, otn := w.paid(t)
	w.gw.SetMode("alipay.trade.refund", alipayfake.Fail)
	w.cancel(orderId).OK(t)
	o, p := w.order(t, orderId), w.payment(t, orderId)
	if o.GetString("status") != "CANCELED" || o.GetInt("refund") != 10000 {
		t.Fatalf("order %v", o.FieldsData())
	}
	if p.GetInt("refund_due") != 10000 || p.GetInt("refund") != 0 || p.GetInt("attempts") != 1 || p.GetString("status") != "PAID" {
		t.Fatalf("payment %v", p.FieldsData())
	}
	w.gw.SetMode("alipay.trade.refund", alipayfake.Silent) // then no answer at all
	w.app.Clock.Advance(61 * time.Second)
	w.runJob(t, "ihome.payment.settle")
	if p := w.payment(t, orderId); p.GetInt("attempts") != 2 || p.GetInt("refund") != 0 {
		t.Fatalf("after a timeout: %v", p.FieldsData())
	}
	next := w.payment(t, orderId).GetDateTime("next_try").Time()
	if d := next.Sub(w.app.Clock.Now()); d != 2*time.Minute {
		t.Fatalf("second retry in %v, want 2m", d)
	}
	w.gw.SetMode("alipay.trade.refund", alipayfake.OK)
	w.app.Clock.Advance(2 * time.Minute)
	w.runJob(t, "ihome.payment.settle")
	p = w.payment(t, orderId)
	if p.GetInt("refund") != 10000 || p.GetString("status") != "REFUNDED" || p.GetInt("attempts") != 0 || p.GetDateTime("refunded_at").IsZero() {
		t.Fatalf("after the retry: %v", p.FieldsData())
	}
	w.runJob(t, "ihome.payment.settle")
	if tr, _ := w.gw.Trade(otn); tr.Refunded != 10000 || tr.Refunds != 1 {
		t.Fatalf("gateway %+v", tr)
	}
	w.checkMoney(t)
}

// TestCheckout: a paid stay waits for its review the day after its end.
func TestCheckout(t *testing.T) {
	w := newWorld(t)
	orderId, _ := w.paid(t)
	end := w.order(t, orderId).GetString("end_date")
	for w.app.Today(0) <= end {
		w.runJob(t, "ihome.payment.checkout")
		if s := w.orderStatus(t, orderId); s != "PAID" {
			t.Fatalf("on %s the order is %s", w.app.Today(0), s)
		}
		w.app.Clock.Advance(24 * time.Hour)
	}
	w.runJob(t, "ihome.payment.checkout")
	if s := w.orderStatus(t, orderId); s != "WAIT_COMMENT" {
		t.Fatalf("the day after the end: %s", s)
	}
	w.guestC.Put(v1+"/orders/comment", map[string]any{"order_id": orderId, "comment": "很好"}).OK(t)
	w.checkMoney(t)
}

var _ = apptest.Fire
