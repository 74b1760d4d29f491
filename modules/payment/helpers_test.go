package payment_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/payment"
)

const v1 = "/api/v1.0"

// world is an app with --payment alipay against a local fake gateway, a
// verified landlord with a house (100 yuan a night, flexible), a guest and
// a stranger.
type world struct {
	app               *apptest.App
	gw                *alipayfake.Gateway
	house             *core.Record
	landlord, guest   *core.Record
	landlordC, guestC *apptest.Client
	stranger          *core.Record
	strangerC         *apptest.Client
	days              int // the next free day for a stay
}

// alipayConfig is the payment configuration that talks to gw.
func alipayConfig(gw *alipayfake.Gateway) payment.Config {
	return payment.Config{
		Provider: payment.ProviderAlipay,
		Timeout:  2 * time.Second,
		Alipay: payment.AlipayConfig{
			AppId: alipayfake.AppId, PrivateKey: gw.AppPrivateKey, PublicKey: gw.PublicKey, Gateway: gw.URL,
			NotifyURL: "https://ihome.example.com/api/v1.0/payments/alipay/notify",
			ReturnURL: "https://ihome.example.com/paycomplete.html",
		},
	}
}

func newWorld(t *testing.T, opts ...apptest.Option) *world {
	t.Helper()
	gw := alipayfake.New(t)
	all := append([]apptest.Option{apptest.WithConfig(func(c *modules.Config) {
		c.Payment = alipayConfig(gw)
		c.Session.TTL = 2 * 365 * 24 * time.Hour // tests move the clock months ahead
		c.Order.MaxOpenOrders = 100              // one guest holds many orders waiting for payment
	})}, opts...)
	app := apptest.New(t, all...)
	w := &world{app: app, gw: gw, days: 10}
	w.landlord, w.landlordC = app.NewUser(1)
	app.Verify(w.landlord, 1)
	w.guest, w.guestC = app.NewUser(2)
	w.stranger, w.strangerC = app.NewUser(3)
	w.house = app.CreateHouse(w.landlord, map[string]any{"cancel_policy": "flexible"})
	return w
}

// book has the guest book days [start, end] (from today) of h through
// the API and returns the order id.
func (w *world) book(t *testing.T, h *core.Record, start, end int) string {
	t.Helper()
	var d struct {
		OrderId int64 `json:"order_id"`
	}
	w.guestC.Post(v1+"/orders", map[string]any{"house_id": h.Id, "start_date": w.app.Today(start), "end_date": w.app.Today(end)}).
		OK(t).Decode(t, &d)
	return fmt.Sprint(d.OrderId)
}

// accepted books a stay on the world's house (one night, on a day no
// other stay of the test uses) and has the landlord accept it.
func (w *world) accepted(t *testing.T) string {
	t.Helper()
	w.days += 2
	return w.acceptedOn(t, w.house, w.days, w.days)
}

func (w *world) acceptedOn(t *testing.T, h *core.Record, start, end int) string {
	t.Helper()
	id := w.book(t, h, start, end)
	w.landlordC.Put(v1+"/orders", map[string]any{"action": "accept", "order_id": id}).OK(t)
	if s := w.orderStatus(t, id); s != "WAIT_PAYMENT" {
		t.Fatalf("accepted order %s is %s", id, s)
	}
	return id
}

// payURL asks for the order's cashier page as its guest.
func (w *world) payURL(t *testing.T, orderId string) string {
	t.Helper()
	var d struct {
		PayURL string `json:"pay_url"`
	}
	w.guestC.Post(v1+"/orders/"+orderId+"/payment", nil).OK(t).Decode(t, &d)
	return d.PayURL
}

// opened accepts a stay and opens its cashier at the gateway; it returns
// the order id and the trade number.
func (w *world) opened(t *testing.T) (orderId, otn string) {
	t.Helper()
	orderId = w.accepted(t)
	if err := w.gw.Open(w.payURL(t, orderId)); err != nil {
		t.Fatal(err)
	}
	return orderId, w.payment(t, orderId).GetString("out_trade_no")
}

// paidAtGateway is opened, then the guest pays at the gateway; it returns
// the notify the gateway would send (not sent yet).
func (w *world) paidAtGateway(t *testing.T) (orderId, otn string, notice url.Values) {
	t.Helper()
	orderId, otn = w.opened(t)
	notice, err := w.gw.Pay(otn)
	if err != nil {
		t.Fatal(err)
	}
	return orderId, otn, notice
}

// paid is paidAtGateway with the notify delivered.
func (w *world) paid(t *testing.T) (orderId, otn string) {
	t.Helper()
	orderId, otn, notice := w.paidAtGateway(t)
	if got := w.notify(t, notice); got != "success" {
		t.Fatalf("notify: %q", got)
	}
	if s := w.orderStatus(t, orderId); s != "PAID" {
		t.Fatalf("paid order %s is %s", orderId, s)
	}
	return orderId, otn
}

// notify posts a form to the notify route as the provider does (no
// cookie, no CSRF header) and returns the plain-text answer. Safe from
// any goroutine: a transport error is reported with Errorf.
func (w *world) notify(t testing.TB, form url.Values) string {
	res, err := http.Post(w.app.Server.URL+v1+"/payments/alipay/notify", "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Errorf("notify: %v", err)
		return ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Sprintf("HTTP %d %s", res.StatusCode, b)
	}
	return string(b)
}

func (w *world) order(t testing.TB, id string) *core.Record {
	t.Helper()
	o, err := w.app.FindRecordById("orders", id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w *world) orderStatus(t testing.TB, id string) string {
	t.Helper()
	return w.order(t, id).GetString("status")
}

func (w *world) payment(t testing.TB, orderId string) *core.Record {
	t.Helper()
	p, err := w.app.FindFirstRecordByData(payment.Collection, payment.FieldOrder, orderId)
	if err != nil {
		t.Fatalf("payment of order %s: %v", orderId, err)
	}
	return p
}

// cancel has the guest cancel an order.
func (w *world) cancel(orderId string) *apptest.Response {
	return w.guestC.Put(v1+"/orders", map[string]any{"action": "cancel", "order_id": orderId})
}

// runJob runs a cron job of the app now (safe from any goroutine).
func (w *world) runJob(t testing.TB, id string) {
	for _, j := range w.app.Cron().Jobs() {
		if j.Id() == id {
			j.Run()
			return
		}
	}
	t.Errorf("no cron job %q", id)
}

// countPaidTransitions counts, from now on, the committed order updates
// WAIT_PAYMENT → PAID; the function it returns gives the count so far.
func (w *world) countPaidTransitions() func() int {
	n := 0
	ch := make(chan struct{}, 1000)
	w.app.OnRecordAfterUpdateSuccess("orders").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "PAID" && e.Record.Original().GetString("status") != "PAID" {
			ch <- struct{}{}
		}
		return e.Next()
	})
	return func() int {
		for {
			select {
			case <-ch:
				n++
			default:
				return n
			}
		}
	}
}

// checkMoney is the invariant of API.md §6 over the whole database: a
// payment that took money belongs to an order in PAID, WAIT_COMMENT or
// COMPLETE, or is refunded in full, or (a paid order canceled late) is
// owed exactly what its order shows; no refund exceeds its amount; the
// order's refund is the payment's; every order in PAID has a PAID
// payment; the gateway took and gave back what the rows say.
func (w *world) checkMoney(t *testing.T) {
	t.Helper()
	app := w.app
	if n := app.Count(`SELECT count(*) FROM payments p JOIN orders o ON o.id = p."order"
		WHERE p.status = 'PAID' AND o.status NOT IN ('PAID','WAIT_COMMENT','COMPLETE')
		AND NOT (o.status = 'CANCELED' AND p.refund_due = o.refund AND p.refund = p.refund_due)`); n != 0 {
		t.Errorf("%d PAID payments of orders neither paid nor refunded", n)
	}
	if n := app.Count(`SELECT count(*) FROM payments WHERE refund > amount OR refund_due > amount OR refund > refund_due`); n != 0 {
		t.Errorf("%d payments refund more than they took", n)
	}
	if n := app.Count(`SELECT count(*) FROM payments WHERE status = 'REFUNDED' AND refund != amount`); n != 0 {
		t.Errorf("%d REFUNDED payments not refunded in full", n)
	}
	if n := app.Count(`SELECT count(*) FROM payments p JOIN orders o ON o.id = p."order" WHERE o.refund != p.refund_due`); n != 0 {
		t.Errorf("%d orders whose refund is not their payment's", n)
	}
	if n := app.Count(`SELECT count(*) FROM orders o WHERE o.status = 'PAID' AND NOT EXISTS
		(SELECT 1 FROM payments p WHERE p."order" = o.id AND p.status = 'PAID')`); n != 0 {
		t.Errorf("%d PAID orders without a PAID payment", n)
	}
	var rows []struct {
		OutTradeNo string `db:"out_trade_no"`
		Status     string `db:"status"`
		Amount     int64  `db:"amount"`
		Refund     int64  `db:"refund"`
	}
	if err := app.DB().NewQuery("SELECT out_trade_no, status, amount, refund FROM payments").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		tr, ok := w.gw.Trade(r.OutTradeNo)
		paidThere := ok && tr.TradeNo != ""
		paidHere := r.Status != "CREATED" && r.Status != "CLOSED"
		if paidThere != paidHere {
			t.Errorf("trade %s: paid at the gateway %v, payment %s", r.OutTradeNo, paidThere, r.Status)
		}
		if ok && tr.Refunded != r.Refund {
			t.Errorf("trade %s: the gateway refunded %d, the payment says %d", r.OutTradeNo, tr.Refunded, r.Refund)
		}
		if ok && tr.Refunds > 1 {
			t.Errorf("trade %s refunded %d times", r.OutTradeNo, tr.Refunds)
		}
	}
	if refused := w.gw.Refused(); len(refused) > 0 {
		t.Errorf("the gateway refused our requests: %v", refused)
	}
}
