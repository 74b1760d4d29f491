package payment_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
)

// TestPayURL: the cashier page is an alipay.trade.page.pay URL signed
// RSA2 (the gateway checks the signature when it is opened), for the
// order's amount in yuan, with the rest of the pay window, the configured
// notify and return URLs, and a trade number of its own; the same URL is
// given again while unpaid (API.md §6.1).
func TestPayURL(t *testing.T) {
	w := newWorld(t)
	h := w.app.CreateHouse(w.landlord, map[string]any{"price": 29950}) // 299.50 yuan
	orderId := w.acceptedOn(t, h, 3, 5)                                // 3 nights: 898.50 yuan
	w.app.Clock.Advance(10*time.Minute + 30*time.Second)               // 19.5 minutes left
	raw := w.payURL(t, orderId)

	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(raw, w.gw.URL+"?") {
		t.Fatalf("pay_url %s", raw)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"method": "alipay.trade.page.pay", "app_id": alipayfake.AppId, "sign_type": "RSA2", "charset": "utf-8",
		"notify_url": "https://ihome.example.com/api/v1.0/payments/alipay/notify",
		"return_url": "https://ihome.example.com/paycomplete.html",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	var biz map[string]string
	if err := json.Unmarshal([]byte(q.Get("biz_content")), &biz); err != nil {
		t.Fatal(err)
	}
	p := w.payment(t, orderId)
	if biz["total_amount"] != "898.50" || biz["out_trade_no"] != p.GetString("out_trade_no") ||
		biz["product_code"] != "FAST_INSTANT_TRADE_PAY" || biz["timeout_express"] != "20m" {
		t.Fatalf("biz_content %v", biz)
	}
	deadline := p.GetDateTime("expires_at").Time().In(time.FixedZone("CST", 8*3600)).Format(time.DateTime)
	if biz["time_expire"] != deadline || !strings.Contains(biz["subject"], "订单"+orderId) {
		t.Fatalf("time_expire %s (want %s), subject %s", biz["time_expire"], deadline, biz["subject"])
	}
	if p.GetInt("amount") != 89850 || p.GetString("status") != "CREATED" {
		t.Fatalf("payment %v", p.FieldsData())
	}
	if err := w.gw.Open(raw); err != nil {
		t.Fatalf("the gateway refused the page-pay request: %v", err)
	}
	if again := w.payURL(t, orderId); again != raw {
		t.Fatalf("a second POST made another URL")
	}
	if tr, _ := w.gw.Trade(p.GetString("out_trade_no")); tr.Amount != 89850 {
		t.Fatalf("gateway trade %+v", tr)
	}

	// each order its own trade number
	other := w.accepted(t)
	if w.payment(t, other).GetString("out_trade_no") == p.GetString("out_trade_no") {
		t.Fatal("two orders share a trade number")
	}
}

func TestPayRefusals(t *testing.T) {
	w := newWorld(t)
	orderId := w.accepted(t)
	path := v1 + "/orders/" + orderId + "/payment"
	w.app.Client().Post(path, nil).Expect(t, http.StatusOK, "4101")
	w.strangerC.Post(path, nil).Expect(t, http.StatusOK, "4105")
	w.landlordC.Post(path, nil).Expect(t, http.StatusOK, "4105")
	w.guestC.Post(v1+"/orders/999/payment", nil).Expect(t, http.StatusOK, "4002")
	w.guestC.Post(v1+"/orders/abc/payment", nil).Expect(t, http.StatusOK, "4002")
	w.guestC.Post(path, strings.NewReader("{")).Expect(t, http.StatusOK, "4103")

	// not waiting for a payment: a new order, and a paid one
	waiting := w.book(t, w.house, 30, 30)
	w.guestC.Post(v1+"/orders/"+waiting+"/payment", nil).Expect(t, http.StatusOK, "4004")
	paid, _ := w.paid(t)
	w.guestC.Post(v1+"/orders/"+paid+"/payment", nil).Expect(t, http.StatusOK, "4004")

	// the window is over (the job has not run yet)
	w.app.Clock.Advance(31 * time.Minute)
	w.guestC.Post(path, nil).Expect(t, http.StatusOK, "4004")
}

// TestAcceptWaitsForPayment: with a provider, accept leads to WAIT_PAYMENT
// (API.md §6), the dates stay taken for booking, search and the calendar
// while WAIT_PAYMENT and PAID, the landlord can no longer reject, and no
// one marks an order PAID by hand.
func TestAcceptWaitsForPayment(t *testing.T) {
	w := newWorld(t)
	waiting := w.acceptedOn(t, w.house, 5, 6)
	paid, _ := w.paid(t) // days 12
	paidDay := w.order(t, paid).GetString("start_date")

	for i, stay := range [][2]string{{w.app.Today(6), w.app.Today(7)}, {paidDay, paidDay}} {
		_, c := w.app.NewUser(11 + i)
		c.Post(v1+"/orders", map[string]any{"house_id": w.house.Id, "start_date": stay[0], "end_date": stay[1]}).
			Expect(t, http.StatusOK, "4004")
	}
	var page struct {
		Houses []any `json:"houses"`
	}
	for _, stay := range [][2]string{{w.app.Today(5), w.app.Today(5)}, {paidDay, paidDay}} {
		w.app.Client().Get(v1+"/houses?sd="+stay[0]+"&ed="+stay[1]).OK(t).Decode(t, &page)
		if len(page.Houses) != 0 {
			t.Errorf("search %v finds the house", stay)
		}
	}
	var cal struct {
		Days []struct {
			Date      string `json:"date"`
			Available bool   `json:"available"`
		} `json:"days"`
	}
	w.app.Client().Get(v1+"/houses/"+w.house.Id+"/calendar?from="+w.app.Today(5)+"&to="+paidDay).OK(t).Decode(t, &cal)
	for _, d := range cal.Days {
		taken := d.Date == w.app.Today(5) || d.Date == w.app.Today(6) || d.Date == paidDay
		if d.Available == taken {
			t.Errorf("calendar %s available %v", d.Date, d.Available)
		}
	}

	w.landlordC.Put(v1+"/orders", map[string]any{"action": "reject", "order_id": waiting, "reason": "不方便"}).Expect(t, http.StatusOK, "4004")
	w.landlordC.Put(v1+"/orders", map[string]any{"action": "reject", "order_id": paid, "reason": "不方便"}).Expect(t, http.StatusOK, "4004")

	o := w.order(t, waiting)
	o.Set("status", "PAID")
	if err := w.app.Save(o); err == nil {
		t.Fatal("an order was saved PAID without a payment")
	}
	if s := w.orderStatus(t, waiting); s != "WAIT_PAYMENT" {
		t.Fatalf("order %s", s)
	}
}

// TestReturnConfirmedByQuery: the browser's return is verified, then
// confirmed by alipay.trade.query; only a paid trade changes state
// (API.md §6.3).
func TestReturnConfirmedByQuery(t *testing.T) {
	w := newWorld(t)
	orderId, otn := w.opened(t)
	ret := func(c *apptest.Client, v url.Values) *apptest.Response {
		body := map[string]any{}
		for k := range v {
			body[k] = v.Get(k)
		}
		return c.Put(v1+"/orders/payment", body)
	}

	// not paid yet: the query says WAIT_BUYER_PAY
	if _, ok := w.gw.Trade(otn); !ok {
		t.Fatal("no trade")
	}
	unpaid := w.gw.Return(otn)
	ret(w.guestC, unpaid).Expect(t, http.StatusOK, "4004")

	if _, err := w.gw.Pay(otn); err != nil { // paid; its notify is lost
		t.Fatal(err)
	}
	good := w.gw.Return(otn)
	tampered := clone(good)
	tampered.Set("total_amount", "0.01")
	ret(w.guestC, tampered).Expect(t, http.StatusOK, "4004")
	ret(w.strangerC, good).Expect(t, http.StatusOK, "4105")
	ret(w.app.Client(), good).Expect(t, http.StatusOK, "4101")
	ret(w.guestC, url.Values{}).Expect(t, http.StatusOK, "4103")
	w.guestC.Put(v1+"/orders/payment", map[string]any{"out_trade_no": otn, "sign": []any{1}}).Expect(t, http.StatusOK, "4103")
	if s := w.orderStatus(t, orderId); s != "WAIT_PAYMENT" {
		t.Fatalf("refused returns changed the order: %s", s)
	}

	// the provider cannot be asked: 4301, nothing changes
	w.gw.SetMode("alipay.trade.query", alipayfake.Fail)
	ret(w.guestC, good).Expect(t, http.StatusOK, "4301")
	w.gw.SetMode("alipay.trade.query", alipayfake.OK)

	var d struct {
		OrderId int64  `json:"order_id"`
		Status  string `json:"status"`
	}
	ret(w.guestC, good).OK(t).Decode(t, &d)
	if d.Status != "PAID" || w.orderStatus(t, orderId) != "PAID" {
		t.Fatalf("return answered %+v, order %s", d, w.orderStatus(t, orderId))
	}
	// again, and the late notify: idempotent
	ret(w.guestC, good).OK(t)
	if got := w.notify(t, w.gw.Notify(otn)); got != "success" {
		t.Fatalf("late notify %q", got)
	}
	if p := w.payment(t, orderId); p.GetString("trade_no") == "" || p.GetString("status") != "PAID" {
		t.Fatalf("payment %v", p.FieldsData())
	}
	w.checkMoney(t)
}

// TestQueryJobFindsMissedNotify: a payment whose notify never comes is
// found by the job that queries unpaid payments older than 2 minutes.
func TestQueryJobFindsMissedNotify(t *testing.T) {
	w := newWorld(t)
	orderId, otn := w.opened(t)
	unpaid, _ := w.opened(t)
	if _, err := w.gw.Pay(otn); err != nil {
		t.Fatal(err)
	}
	queries := w.gw.Calls("alipay.trade.query")
	w.runJob(t, "ihome.payment.query") // too young to be queried
	if w.gw.Calls("alipay.trade.query") != queries || w.orderStatus(t, orderId) != "WAIT_PAYMENT" {
		t.Fatal("the job queried a payment younger than 2 minutes")
	}
	w.app.Clock.Advance(3 * time.Minute)
	w.runJob(t, "ihome.payment.query")
	if s := w.orderStatus(t, orderId); s != "PAID" {
		t.Fatalf("order %s after the query job", s)
	}
	if s := w.orderStatus(t, unpaid); s != "WAIT_PAYMENT" {
		t.Fatalf("the unpaid order is %s", s)
	}
	w.checkMoney(t)
}

// TestPaymentView: the guest and the landlord read the amount, the time
// left and, once paid, what a cancel would refund.
func TestPaymentView(t *testing.T) {
	w := newWorld(t)
	orderId := w.accepted(t)
	w.app.Clock.Advance(5 * time.Minute)
	var v struct {
		OrderId      int64  `json:"order_id"`
		OrderStatus  string `json:"order_status"`
		Status       string `json:"status"`
		Amount       int64  `json:"amount"`
		SecondsLeft  int64  `json:"seconds_left"`
		Expires      string `json:"expires"`
		PaidAt       string `json:"paid_at"`
		CancelRefund int64  `json:"cancel_refund"`
	}
	path := v1 + "/orders/" + orderId + "/payment"
	w.guestC.Get(path).OK(t).Decode(t, &v)
	if v.Status != "CREATED" || v.OrderStatus != "WAIT_PAYMENT" || v.Amount != 10000 || v.SecondsLeft != 25*60 || len(v.Expires) != 19 || v.PaidAt != "" {
		t.Fatalf("view %+v", v)
	}
	w.landlordC.Get(path).OK(t)
	w.strangerC.Get(path).Expect(t, http.StatusOK, "4105")
	w.guestC.Get(v1+"/orders/"+w.book(t, w.house, 40, 40)+"/payment").Expect(t, http.StatusOK, "4002")

	paid, _ := w.paid(t)
	w.guestC.Get(v1+"/orders/"+paid+"/payment").OK(t).Decode(t, &v)
	if v.Status != "PAID" || v.SecondsLeft != 0 || v.PaidAt == "" || v.CancelRefund != 10000 {
		t.Fatalf("paid view %+v", v)
	}
}
