package payment_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/payment"
)

// TestFakeCashier walks --payment fake as the pages do: the cashier page
// of the pay URL shows the trade, its pay button makes a notify signed
// with the key in the data dir that goes through the notify path, and the
// browser's return is confirmed; then a cancel refunds (API.md §6.5).
func TestFakeCashier(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Payment.Provider = payment.ProviderFake }))
	w := &world{app: app, days: 10}
	w.landlord, w.landlordC = app.NewUser(1)
	app.Verify(w.landlord, 1)
	w.guest, w.guestC = app.NewUser(2)
	w.house = app.CreateHouse(w.landlord, nil)
	orderId := w.accepted(t)

	raw := w.payURL(t, orderId)
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/cashier.html" {
		t.Fatalf("pay_url %s", raw)
	}
	otn := u.Query().Get("out_trade_no")
	var tr struct {
		OutTradeNo  string `json:"out_trade_no"`
		Amount      int64  `json:"amount"`
		Status      string `json:"status"`
		SecondsLeft int64  `json:"seconds_left"`
		Subject     string `json:"subject"`
	}
	anon := app.Client()
	anon.Get(v1+"/payments/fake/trade?out_trade_no="+url.QueryEscape(otn)).OK(t).Decode(t, &tr)
	if tr.Amount != 10000 || tr.Status != "WAIT_BUYER_PAY" || tr.SecondsLeft != 30*60 || !strings.Contains(tr.Subject, "测试房屋") {
		t.Fatalf("trade %+v", tr)
	}
	anon.Get(v1+"/payments/fake/trade?out_trade_no=nope").Expect(t, http.StatusOK, "4002")

	var pay struct {
		ReturnURL string `json:"return_url"`
	}
	anon.Post(v1+"/payments/fake/pay", map[string]any{"out_trade_no": otn}).OK(t).Decode(t, &pay)
	if s := w.orderStatus(t, orderId); s != "PAID" {
		t.Fatalf("after the pay button: %s", s)
	}
	if _, err := os.Stat(filepath.Join(app.DataDir(), "fake_alipay_key.pem")); err != nil {
		t.Fatalf("the fake's key in the data dir: %v", err)
	}
	anon.Post(v1+"/payments/fake/pay", map[string]any{"out_trade_no": otn}).Expect(t, http.StatusOK, "4004")
	back, err := url.Parse(pay.ReturnURL)
	if err != nil || back.Path != "/paycomplete.html" {
		t.Fatalf("return_url %s", pay.ReturnURL)
	}
	body := map[string]any{}
	for k := range back.Query() {
		body[k] = back.Query().Get(k)
	}
	var d struct {
		Status string `json:"status"`
	}
	w.guestC.Put(v1+"/orders/payment", body).OK(t).Decode(t, &d)
	if d.Status != "PAID" {
		t.Fatalf("return: %+v", d)
	}
	body["total_amount"] = "1.00"
	w.guestC.Put(v1+"/orders/payment", body).Expect(t, http.StatusOK, "4004")

	w.cancel(orderId).OK(t)
	if p := w.payment(t, orderId); p.GetString("status") != "REFUNDED" || p.GetInt("refund") != 10000 {
		t.Fatalf("payment %v", p.FieldsData())
	}

	// an expired trade cannot be paid
	late := w.accepted(t)
	lateOtn := w.payment(t, late).GetString("out_trade_no")
	app.Clock.Advance(31 * time.Minute)
	anon.Post(v1+"/payments/fake/pay", map[string]any{"out_trade_no": lateOtn}).Expect(t, http.StatusOK, "4004")
}

// TestFakeRoutesOnlyWhenAsked: the fake cashier exists only with
// --payment fake.
func TestFakeRoutesOnlyWhenAsked(t *testing.T) {
	for _, provider := range []string{"", payment.ProviderAlipay} {
		var app *apptest.App
		if provider == "" {
			app = apptest.New(t)
		} else {
			app = newWorld(t).app
		}
		app.Client().Get(v1+"/payments/fake/trade?out_trade_no=x").Expect(t, http.StatusNotFound, "4002")
		app.Client().Post(v1+"/payments/fake/pay", map[string]any{"out_trade_no": "x"}).Expect(t, http.StatusNotFound, "4002")
	}
}

// TestNoProvider: --payment none is today's flow: accept → WAIT_COMMENT,
// no payment rows; the payment routes answer 4004.
func TestNoProvider(t *testing.T) {
	app := apptest.New(t)
	w := &world{app: app, days: 10}
	w.landlord, w.landlordC = app.NewUser(1)
	app.Verify(w.landlord, 1)
	w.guest, w.guestC = app.NewUser(2)
	w.house = app.CreateHouse(w.landlord, nil)
	id := w.book(t, w.house, 3, 3)
	w.landlordC.Put(v1+"/orders", map[string]any{"action": "accept", "order_id": id}).OK(t)
	if s := w.orderStatus(t, id); s != "WAIT_COMMENT" {
		t.Fatalf("accepted: %s", s)
	}
	if n := app.Count("SELECT count(*) FROM payments"); n != 0 {
		t.Fatalf("%d payments", n)
	}
	w.guestC.Post(v1+"/orders/"+id+"/payment", nil).Expect(t, http.StatusOK, "4004")
	w.guestC.Put(v1+"/orders/payment", map[string]any{"out_trade_no": "IH1_x"}).Expect(t, http.StatusOK, "4004")
}

// TestConfigCheck: a half-configured Alipay is refused, naming what is
// missing; a key that does not parse too.
func TestConfigCheck(t *testing.T) {
	cfg := payment.Config{Provider: payment.ProviderAlipay, Alipay: payment.AlipayConfig{AppId: "1", Gateway: "https://openapi.alipay.com/gateway.do"}}
	err := cfg.Check()
	if err == nil || !strings.Contains(err.Error(), "--alipay-private-key-file") || !strings.Contains(err.Error(), "--alipay-notify-url") ||
		strings.Contains(err.Error(), "--alipay-gateway") || strings.Contains(err.Error(), "--alipay-app-id") {
		t.Fatalf("half-configured: %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Alipay = payment.AlipayConfig{AppId: "1", PrivateKeyFile: bad, PublicKeyFile: bad, Gateway: "https://openapi.alipay.com/gateway.do",
		NotifyURL: "https://x.example/api/v1.0/payments/alipay/notify", ReturnURL: "https://x.example/paycomplete.html"}
	if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), "--alipay-private-key-file") {
		t.Fatalf("a bad key: %v", err)
	}
	cfg.Alipay.PrivateKeyFile = filepath.Join(dir, "missing.pem")
	if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("a missing key file: %v", err)
	}
	cfg.Alipay.NotifyURL = "/relative"
	if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), "--alipay-notify-url") {
		t.Fatalf("a relative notify URL: %v", err)
	}
	if err := (payment.Config{Provider: "paypal"}).Check(); err == nil {
		t.Fatal("an unknown provider passed")
	}
}
