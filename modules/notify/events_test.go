package notify_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/internal/sms"
	"ihome/modules"
	"ihome/modules/notify"
	"ihome/modules/order"
	"ihome/modules/payment"
)

// TestCommittedBookingNotifiesTheLandlordOnce: a booking writes exactly
// one notification, for the landlord, with one outbox row carrying the
// order_new template and its parameters; the guest gets none.
func TestCommittedBookingNotifiesTheLandlordOnce(t *testing.T) {
	s := newStage(t)
	id := orderId(t, s.book(s.guestC, 3, 4).OK(t))

	notes := s.notes(t, s.landlord)
	if len(notes) != 1 {
		t.Fatalf("%d notifications for the landlord, want 1", len(notes))
	}
	n := notes[0]
	if n.GetString(notify.FieldKind) != notify.KindOrderNew || n.GetString(notify.FieldOrder) != id || n.GetBool(notify.FieldRead) ||
		!strings.Contains(n.GetString(notify.FieldText), "西湖边的小院") || !strings.Contains(n.GetString(notify.FieldText), s.app.Today(3)) {
		t.Fatalf("notification %v", n)
	}
	if g := s.notes(t, s.guest); len(g) != 0 {
		t.Fatalf("the guest was notified of their own booking: %v", g)
	}
	ob := s.outbox(t, n)
	var params map[string]string
	if err := ob.UnmarshalJSONField(notify.FieldParams, &params); err != nil {
		t.Fatal(err)
	}
	if ob.GetString(notify.FieldMobile) != apptest.Mobile(1) || ob.GetString(notify.FieldTemplate) != sms.TemplateOrderNew ||
		params[sms.ParamOrder] != id || params[sms.ParamStart] != s.app.Today(3) || params[sms.ParamEnd] != s.app.Today(4) ||
		!strings.HasPrefix(ob.GetString(notify.FieldKey), "ihome-n"+n.Id+"-") {
		t.Fatalf("outbox %v %v", ob, params)
	}
	if c := s.app.Count("SELECT count(*) FROM " + notify.OutboxCollection); c != 1 {
		t.Fatalf("%d outbox rows", c)
	}
}

// TestRefusedBookingNotifiesNobody: a booking that overlaps (4004) and
// one past the open-order cap (4201) roll back: no notification, no
// outbox row.
func TestRefusedBookingNotifiesNobody(t *testing.T) {
	s := newStage(t, func(c *modules.Config) { c.Order.MaxOpenOrders = 1 })
	s.book(s.guestC, 3, 5).OK(t)
	s.book(s.otherC, 4, 6).Expect(t, http.StatusOK, "4004")
	s.book(s.guestC, 10, 11).Expect(t, http.StatusOK, "4201")
	if n := s.app.Count("SELECT count(*) FROM " + notify.Collection); n != 1 {
		t.Fatalf("%d notifications, want the one of the booking that committed", n)
	}
	if n := s.app.Count("SELECT count(*) FROM " + notify.OutboxCollection); n != 1 {
		t.Fatalf("%d outbox rows, want 1", n)
	}
}

// TestNotificationRollsBackWithItsOrder: the order row and its
// notification are written, then the transaction fails: neither stays.
// (Written through the outer app, the notification would survive, or the
// write would wait for the transaction's connection for ever.)
func TestNotificationRollsBackWithItsOrder(t *testing.T) {
	s := newStage(t)
	col, err := s.app.FindCollectionByNameOrId(order.Collection)
	if err != nil {
		t.Fatal(err)
	}
	abort := errors.New("abort after the insert")
	err = s.app.RunInTransaction(func(tx core.App) error {
		o := core.NewRecord(col)
		o.Set(order.FieldHouse, s.house.Id)
		o.Set(order.FieldGuest, s.guest.Id)
		o.Set(order.FieldStartDate, s.app.Today(3))
		o.Set(order.FieldEndDate, s.app.Today(3))
		if err := tx.Save(o); err != nil {
			return err
		}
		var inside int
		if err := tx.DB().NewQuery("SELECT count(*) FROM " + notify.Collection).Row(&inside); err != nil || inside != 1 {
			t.Errorf("inside the transaction: %d notifications (%v), want 1", inside, err)
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatalf("transaction: %v", err)
	}
	for _, table := range []string{order.Collection, notify.Collection, notify.OutboxCollection} {
		if n := s.app.Count("SELECT count(*) FROM " + table); n != 0 {
			t.Fatalf("%s: %d rows after the rollback", table, n)
		}
	}
	// the worker has nothing to send either
	s.deliver()
	if n := len(s.fake.Deliveries()); n != 0 {
		t.Fatalf("%d messages sent for a rolled-back booking", n)
	}
}

// TestStatusChangesNotify: each change of API.md §8.2 notifies its
// recipient once, whoever makes it (API, cron, Go code); other saves
// notify nobody.
func TestStatusChangesNotify(t *testing.T) {
	s := newStage(t)
	kinds := func(u *core.Record) []string {
		var out []string
		for _, n := range s.notes(t, u) {
			out = append(out, n.GetString(notify.FieldKind))
		}
		return out
	}
	want := func(u *core.Record, k ...string) {
		t.Helper()
		if got := kinds(u); strings.Join(got, ",") != strings.Join(k, ",") {
			t.Fatalf("user %s: kinds %v, want %v", u.Id, got, k)
		}
	}
	answer := func(c *apptest.Client, action, id string, reason string) {
		t.Helper()
		body := map[string]any{"action": action, "order_id": id}
		if reason != "" {
			body["reason"] = reason
		}
		c.Put("/api/v1.0/orders", body).OK(t)
	}

	accepted := orderId(t, s.book(s.guestC, 2, 3).OK(t))
	answer(s.landlordC, "accept", accepted, "")
	rejected := orderId(t, s.book(s.guestC, 5, 6).OK(t))
	answer(s.landlordC, "reject", rejected, "那几天家里装修")
	canceled := orderId(t, s.book(s.guestC, 8, 9).OK(t))
	answer(s.guestC, "cancel", canceled, "")
	want(s.landlord, notify.KindOrderNew, notify.KindOrderNew, notify.KindOrderNew)
	want(s.guest, notify.KindOrderAccepted, notify.KindOrderRejected, notify.KindOrderCanceled)
	if text := s.notes(t, s.guest)[1].GetString(notify.FieldText); !strings.Contains(text, "那几天家里装修") || !strings.Contains(text, "已拒单") {
		t.Fatalf("rejection text %q", text)
	}
	if text := s.notes(t, s.guest)[0].GetString(notify.FieldText); !strings.Contains(text, "已接单") {
		t.Fatalf("acceptance text %q", text)
	}

	// a review changes the status but is no event; nor is a save that
	// changes nothing
	s.guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": accepted, "comment": "很好"}).OK(t)
	o, _ := s.app.FindRecordById(order.Collection, canceled)
	if err := s.app.Save(o); err != nil {
		t.Fatal(err)
	}
	want(s.guest, notify.KindOrderAccepted, notify.KindOrderRejected, notify.KindOrderCanceled)

	// the expiry cron job: the landlord did not answer before the start
	late := orderId(t, s.book(s.otherC, 0, 1).OK(t))
	s.app.Clock.Advance(24 * time.Hour)
	s.app.RunCron(order.ExpireJobId)
	want(s.other, notify.KindOrderExpired)
	if n := s.notes(t, s.other)[0]; n.GetString(notify.FieldOrder) != late {
		t.Fatalf("expiry notification of order %s, want %s", n.GetString(notify.FieldOrder), late)
	}

	// the payment step (API.md §6), as the payment module will move orders
	paid := s.app.CreateOrder(s.house, s.other, s.app.Today(20), s.app.Today(21), order.Paid)
	expired := s.app.CreateOrder(s.house, s.other, s.app.Today(30), s.app.Today(31), order.WaitPayment)
	expired.Set(order.FieldStatus, order.Canceled)
	expired.Set(order.FieldComment, payment.PayExpiredComment)
	if err := s.app.Save(expired); err != nil {
		t.Fatal(err)
	}
	want(s.other, notify.KindOrderExpired, notify.KindOrderAccepted, notify.KindOrderAccepted, notify.KindPayExpired)
	lk := kinds(s.landlord)
	if lk[len(lk)-1] != notify.KindOrderNew || lk[len(lk)-2] != notify.KindPaid {
		t.Fatalf("landlord kinds %v: want the payment of order %s", lk, paid.Id)
	}
	// an acceptance that opens the pay window is urgent (quiet hours do
	// not hold it back)
	for _, n := range s.notes(t, s.other)[1:3] {
		if !s.outbox(t, n).GetBool(notify.FieldUrgent) || !strings.Contains(n.GetString(notify.FieldText), "支付") {
			t.Fatalf("acceptance into WAIT_PAYMENT: %v", n)
		}
	}
}

// TestConfirmedRefundNotifiesTheGuest: when a payment's refund confirmed
// by the provider grows (API.md §6.4), the guest is told how much, once;
// other saves of the payment tell nobody.
func TestConfirmedRefundNotifiesTheGuest(t *testing.T) {
	s := newStage(t)
	o := s.app.CreateOrder(s.house, s.guest, s.app.Today(5), s.app.Today(6), order.Canceled)
	col, err := s.app.FindCollectionByNameOrId(payment.Collection)
	if err != nil {
		t.Fatal(err)
	}
	p := core.NewRecord(col)
	p.Set(payment.FieldOrder, o.Id)
	p.Set(payment.FieldProvider, payment.ProviderFake)
	p.Set(payment.FieldOutTradeNo, "T"+o.Id)
	p.Set(payment.FieldAmount, 20000)
	p.Set(payment.FieldStatus, payment.Paid)
	p.Set(payment.FieldExpiresAt, s.app.Clock.Now())
	if err := s.app.Save(p); err != nil {
		t.Fatal(err)
	}
	before := len(s.notes(t, s.guest)) // the cancellation's
	p.Set(payment.FieldRefundDue, 10050)
	if err := s.app.Save(p); err != nil { // owed, not yet refunded
		t.Fatal(err)
	}
	p.Set(payment.FieldRefund, 10050)
	p.Set(payment.FieldStatus, payment.PartialRefund)
	if err := s.app.Save(p); err != nil {
		t.Fatal(err)
	}
	notes := s.notes(t, s.guest)
	if len(notes) != before+1 {
		t.Fatalf("%d notifications, want %d", len(notes), before+1)
	}
	n := notes[len(notes)-1]
	if n.GetString(notify.FieldKind) != notify.KindRefunded || !strings.Contains(n.GetString(notify.FieldText), "¥100.50") {
		t.Fatalf("refund notification %v", n)
	}
	var params map[string]string
	if err := s.outbox(t, n).UnmarshalJSONField(notify.FieldParams, &params); err != nil {
		t.Fatal(err)
	}
	if params[sms.ParamMoney] != "100.50" || params[sms.ParamOrder] != o.Id || len(params) != 2 {
		t.Fatalf("params %v", params)
	}
	s.deliver()
	refunds := 0
	for _, d := range s.fake.Deliveries() {
		if d.Template == sms.TemplateRefunded && d.Params[sms.ParamMoney] == "100.50" {
			refunds++
		}
	}
	if refunds != 1 {
		t.Fatalf("%d refund messages sent: %+v", refunds, s.fake.Deliveries())
	}
}
