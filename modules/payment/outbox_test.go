package payment_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
)

// TestOrderAndPaymentCommitTogether: an order change and the change of
// its payment row are one transaction: when the payment row cannot be
// written, the order change is undone too (accept, notify, cancel).
func TestOrderAndPaymentCommitTogether(t *testing.T) {
	w := newWorld(t)
	paidId, _ := w.paid(t)
	waitingId, _, notice := w.paidAtGateway(t)
	fresh := w.book(t, w.house, 60, 60)

	broken := errors.New("the disk is full")
	w.app.OnRecordCreate("payments").BindFunc(func(e *core.RecordEvent) error { return broken })
	w.app.OnRecordUpdate("payments").BindFunc(func(e *core.RecordEvent) error { return broken })

	w.landlordC.Put(v1+"/orders", map[string]any{"action": "accept", "order_id": fresh}).Expect(t, http.StatusInternalServerError, "4500")
	if s := w.orderStatus(t, fresh); s != "WAIT_ACCEPT" {
		t.Fatalf("accepted without its payment: %s", s)
	}
	if got := w.notify(t, notice); got != "failure" { // not recorded: Alipay sends it again
		t.Fatalf("notify answered %q", got)
	}
	if s := w.orderStatus(t, waitingId); s != "WAIT_PAYMENT" {
		t.Fatalf("paid without its payment row: %s", s)
	}
	w.cancel(paidId).Expect(t, http.StatusInternalServerError, "4500")
	if o := w.order(t, paidId); o.GetString("status") != "PAID" || o.GetInt("refund") != 0 {
		t.Fatalf("canceled without its refund recorded: %v", o.FieldsData())
	}
	if tr, _ := w.gw.Trade(w.payment(t, paidId).GetString("out_trade_no")); tr.Refunds != 0 {
		t.Fatal("a refund was made for a cancel that rolled back")
	}
}

// TestProviderCallsOutsideTransactions: while the provider holds a
// refund call (it never answers), the cancel that caused it has committed
// and other writes go on: the call is made after the commit, never with
// the database's one writer held.
func TestProviderCallsOutsideTransactions(t *testing.T) {
	w := newWorld(t)
	orderId, _ := w.paid(t)
	w.gw.SetMode("alipay.trade.refund", alipayfake.Silent)
	before := w.gw.Calls("alipay.trade.refund")
	done := make(chan *apptest.Response, 1)
	go func() { done <- w.cancel(orderId) }()
	if !w.gw.AwaitCalls("alipay.trade.refund", before+1) {
		t.Fatal("no refund call came")
	}
	// the refund call is held at the provider now
	if o := w.order(t, orderId); o.GetString("status") != "CANCELED" || o.GetInt("refund") != 10000 {
		t.Fatalf("during the call the cancel is not committed: %v", o.FieldsData())
	}
	w.strangerC.Post(v1+"/orders", map[string]any{"house_id": w.house.Id, "start_date": w.app.Today(90), "end_date": w.app.Today(90)}).OK(t)
	if r := <-done; r.Errno != "0" { // the call timed out: the cancel stands, the refund is retried
		t.Fatalf("cancel: %s", r.Body)
	}
	if p := w.payment(t, orderId); p.GetInt("refund_due") != 10000 || p.GetInt("refund") != 0 || p.GetInt("attempts") != 1 {
		t.Fatalf("payment %v", p.FieldsData())
	}
}
