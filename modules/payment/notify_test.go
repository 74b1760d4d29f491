package payment_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihome/internal/alipayfake"
	"ihome/internal/apptest"
)

func TestNotifyPays(t *testing.T) {
	w := newWorld(t)
	paidTransitions := w.countPaidTransitions()
	orderId, otn, notice := w.paidAtGateway(t)
	if got := w.orderStatus(t, orderId); got != "WAIT_PAYMENT" {
		t.Fatalf("paid at the gateway, no notify yet: order %s, want WAIT_PAYMENT", got)
	}
	if got := w.notify(t, notice); got != "success" {
		t.Fatalf("notify answered %q", got)
	}
	if got := w.orderStatus(t, orderId); got != "PAID" {
		t.Fatalf("order %s, want PAID", got)
	}
	p := w.payment(t, orderId)
	if p.GetString("status") != "PAID" || p.GetString("trade_no") != notice.Get("trade_no") || p.GetDateTime("paid_at").IsZero() {
		t.Fatalf("payment %v", p.FieldsData())
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(p.GetString("notify")), &raw); err != nil || raw["out_trade_no"] != otn || raw["sign"] == "" {
		t.Fatalf("raw notify %s (%v)", p.GetString("notify"), err)
	}
	if n := paidTransitions(); n != 1 {
		t.Fatalf("%d transitions to PAID", n)
	}

	// both sides see it paid, with no refund
	for _, c := range []struct {
		client *apptest.Client
		role   string
	}{{w.guestC, "custom"}, {w.landlordC, "landlord"}} {
		var d struct {
			Orders []struct {
				OrderId int64  `json:"order_id"`
				Status  string `json:"status"`
				Refund  *int64 `json:"refund"`
			} `json:"orders"`
		}
		c.client.Get(v1+"/orders?role="+c.role).OK(t).Decode(t, &d)
		if len(d.Orders) != 1 || d.Orders[0].Status != "PAID" || d.Orders[0].Refund == nil || *d.Orders[0].Refund != 0 {
			t.Fatalf("%s list %+v", c.role, d.Orders)
		}
	}
	// the same notify again changes nothing
	updated := p.GetString("updated")
	if got := w.notify(t, notice); got != "success" {
		t.Fatalf("repeated notify answered %q", got)
	}
	if w.payment(t, orderId).GetString("updated") != updated || paidTransitions() != 1 {
		t.Fatal("a repeated notify changed the payment")
	}
	w.checkMoney(t)
}

// TestNotifyRefused: a notify that fails any check of API.md §6.2 is
// answered failure and changes nothing.
func TestNotifyRefused(t *testing.T) {
	w := newWorld(t)
	orderId, otn, notice := w.paidAtGateway(t)
	other, _ := w.opened(t) // a second trade, unpaid

	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	resign := func(change func(url.Values)) url.Values { // "Alipay" signs a changed notify
		v := clone(notice)
		change(v)
		w.gw.Sign(v)
		return v
	}
	for name, form := range map[string]url.Values{
		"tampered after signing": func() url.Values {
			v := clone(notice)
			v.Set("total_amount", "0.01")
			return v
		}(),
		"a field added after signing": func() url.Values { v := clone(notice); v.Set("passback_params", "x"); return v }(),
		"no signature":                func() url.Values { v := clone(notice); v.Del("sign"); return v }(),
		"signature not base64":        func() url.Values { v := clone(notice); v.Set("sign", "%%%"); return v }(),
		"signed by another key": func() url.Values {
			v := clone(notice)
			sum := sha256.Sum256([]byte(alipayfake.Content(v)))
			sig, _ := rsa.SignPKCS1v15(rand.Reader, stranger, crypto.SHA256, sum[:])
			v.Set("sign", base64.StdEncoding.EncodeToString(sig))
			return v
		}(),
		"wrong amount":            resign(func(v url.Values) { v.Set("total_amount", "100.01") }),
		"amount without decimals": resign(func(v url.Values) { v.Set("total_amount", "1e2") }),
		"unknown out_trade_no":    resign(func(v url.Values) { v.Set("out_trade_no", "IH999_000000000000") }),
		"wrong app_id":            resign(func(v url.Values) { v.Set("app_id", "2021000000000999") }),
		"empty":                   {},
	} {
		if got := w.notify(t, form); got != "failure" {
			t.Errorf("%s: answered %q, want failure", name, got)
		}
	}
	// a JSON body is no notify either
	res, err := http.Post(w.app.Server.URL+v1+"/payments/alipay/notify", "application/json", strings.NewReader(`{"out_trade_no":"`+otn+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, id := range []string{orderId, other} {
		if s := w.orderStatus(t, id); s != "WAIT_PAYMENT" {
			t.Fatalf("order %s is %s after refused notifies", id, s)
		}
		if p := w.payment(t, id); p.GetString("status") != "CREATED" || p.GetString("notify") != "null" && p.GetString("notify") != "" {
			t.Fatalf("payment changed: %v", p.FieldsData())
		}
	}
	// the genuine one still works
	if got := w.notify(t, notice); got != "success" || w.orderStatus(t, orderId) != "PAID" {
		t.Fatalf("the genuine notify: %q, order %s", got, w.orderStatus(t, orderId))
	}
}

// TestNotifyFiveAtOnce: the same notify five times at once makes one
// transition and is answered success each time.
func TestNotifyFiveAtOnce(t *testing.T) {
	w := newWorld(t)
	paidTransitions := w.countPaidTransitions()
	for range 3 {
		orderId, _, notice := w.paidAtGateway(t)
		answers := make([]string, 5)
		apptest.Fire(5, func(i int) *apptest.Response {
			answers[i] = w.notify(t, notice)
			return &apptest.Response{}
		})
		for i, a := range answers {
			if a != "success" {
				t.Errorf("notify %d answered %q", i, a)
			}
		}
		if s := w.orderStatus(t, orderId); s != "PAID" {
			t.Fatalf("order %s", s)
		}
	}
	if n := paidTransitions(); n != 3 {
		t.Fatalf("%d transitions to PAID for 3 orders", n)
	}
	w.checkMoney(t)
}

// TestNotifyOtherTradeStates: a verified notify of a trade that is not
// paid (a refund's TRADE_CLOSED, say) is acknowledged and changes nothing.
func TestNotifyOtherTradeStates(t *testing.T) {
	w := newWorld(t)
	orderId, _, notice := w.paidAtGateway(t)
	for _, status := range []string{"WAIT_BUYER_PAY", "TRADE_CLOSED"} {
		v := clone(notice)
		v.Set("trade_status", status)
		w.gw.Sign(v)
		if got := w.notify(t, v); got != "success" {
			t.Fatalf("%s: %q", status, got)
		}
		if s := w.orderStatus(t, orderId); s != "WAIT_PAYMENT" {
			t.Fatalf("%s notify: order %s", status, s)
		}
	}
}

func TestNotifyBodyLimit(t *testing.T) {
	w := newWorld(t)
	big := url.Values{"out_trade_no": {strings.Repeat("x", 70<<10)}}
	if got := w.notify(t, big); !strings.HasPrefix(got, "HTTP 413") {
		t.Fatalf("a 70 KiB notify: %q", got)
	}
}

func TestNotifyWithoutProvider(t *testing.T) {
	app := apptest.New(t)
	w := &world{app: app}
	if got := w.notify(t, url.Values{"out_trade_no": {"IH1_x"}, "sign": {"x"}}); got != "failure" {
		t.Fatalf("--payment none: notify answered %q", got)
	}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
