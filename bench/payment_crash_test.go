package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/alipayfake"
)

// TestPaymentNotifiesSurviveKill9: a stream of Alipay notifies (signed by
// a local fake gateway) reaches a server run with --payment alipay, which
// is killed with SIGKILL while it answers them. After a restart every
// notify it answered success has its order PAID; the ones it did not
// answer are posted again, as Alipay does until it gets success, and
// converge: every order PAID once, every payment PAID once.
func TestPaymentNotifiesSurviveKill9(t *testing.T) {
	bin, dir := seededCity(t, 100, 30, 0)
	gw := alipayfake.New(t)
	keys := t.TempDir()
	priv, pub := filepath.Join(keys, "app_private_key.pem"), filepath.Join(keys, "alipay_public_key.pem")
	for f, k := range map[string]string{priv: gw.AppPrivateKey, pub: gw.PublicKey} {
		if err := os.WriteFile(f, []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(),
		"IHOME_PAYMENT=alipay",
		"IHOME_ALIPAY_APP_ID="+alipayfake.AppId,
		"IHOME_ALIPAY_PRIVATE_KEY_FILE="+priv,
		"IHOME_ALIPAY_PUBLIC_KEY_FILE="+pub,
		"IHOME_ALIPAY_GATEWAY="+gw.URL,
		"IHOME_ALIPAY_NOTIFY_URL=https://ihome.example.com/api/v1.0/payments/alipay/notify",
		"IHOME_ALIPAY_RETURN_URL=https://ihome.example.com/paycomplete.html",
	)
	client := &http.Client{Timeout: 5 * time.Second}

	// 1. n orders waiting for payment, paid at the gateway: n notifies to deliver
	server, base := serveCity(t, bin, dir, env)
	const n = 60
	notices, err := paidTrades(client, base, gw, n)
	if err != nil {
		kill9(t, server)
		t.Fatal(err)
	}

	// 2. the stream, 8 at a time; SIGKILL once a third is answered
	var mu sync.Mutex
	answered := map[string]bool{} // out_trade_no → answered success
	third := make(chan struct{})
	queue := make(chan url.Values, n)
	for _, v := range notices {
		queue <- v
	}
	close(queue)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range queue {
				if postNotify(client, base, v) != "success" {
					continue // a dead server: not acknowledged
				}
				mu.Lock()
				answered[v.Get("out_trade_no")] = true
				if len(answered) == n/3 {
					close(third)
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-third:
	case <-time.After(time.Minute):
		t.Error("a third of the notifies were not answered within a minute")
	}
	kill9(t, server)
	wg.Wait()
	mu.Lock()
	acked := len(answered)
	mu.Unlock()
	t.Logf("%d of %d notifies answered success before the kill", acked, n)
	if acked == n {
		t.Fatalf("every notify was answered before the kill: the test did not crash during the stream")
	}

	// 3. restart: what was acknowledged is there
	server, base = serveCity(t, bin, dir, env)
	defer kill9(t, server)
	db, err := dbx.Open("sqlite", filepath.Join(dir, "data.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	statusOf := func(otn string) (payment, order string) {
		var r struct {
			P string `db:"p"`
			O string `db:"o"`
		}
		if err := db.NewQuery(`SELECT p.status AS p, o.status AS o FROM payments p JOIN orders o ON o.id = p."order"
			WHERE p.out_trade_no = {:otn}`).Bind(dbx.Params{"otn": otn}).One(&r); err != nil {
			t.Fatalf("trade %s: %v", otn, err)
		}
		return r.P, r.O
	}
	for otn := range answered {
		if p, o := statusOf(otn); p != "PAID" || o != "PAID" {
			t.Errorf("notify of %s answered success before the kill, now payment %s, order %s", otn, p, o)
		}
	}

	// 4. the provider sends again every notify it got no success for
	for _, v := range notices {
		if answered[v.Get("out_trade_no")] {
			continue
		}
		if got := postNotify(client, base, v); got != "success" {
			t.Errorf("replayed notify of %s: %q", v.Get("out_trade_no"), got)
		}
	}
	for _, v := range notices {
		if p, o := statusOf(v.Get("out_trade_no")); p != "PAID" || o != "PAID" {
			t.Errorf("trade %s: payment %s, order %s after the replay", v.Get("out_trade_no"), p, o)
		}
	}
	count := func(q string) int {
		var c int
		if err := db.NewQuery(q).Row(&c); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return c
	}
	if c := count(`SELECT count(*) FROM payments WHERE status = 'PAID' AND trade_no != ''`); c != n {
		t.Errorf("%d paid payments, want %d", c, n)
	}
	if c := count(`SELECT count(*) FROM orders WHERE status = 'PAID'`); c != n {
		t.Errorf("%d paid orders, want %d", c, n)
	}
	if c := count(`SELECT count(*) FROM payments WHERE refund_due > 0`); c != 0 {
		t.Errorf("%d payments owed back", c)
	}
	if refused := gw.Refused(); len(refused) > 0 {
		t.Errorf("the gateway refused our requests: %v", refused)
	}
}

// paidTrades books n stays (one guest each), has their landlords accept,
// opens each cashier page at the gateway and pays: it returns the n
// notifies the gateway then sends.
func paidTrades(client *http.Client, base string, gw *alipayfake.Gateway, n int) ([]url.Values, error) {
	guests, err := loginGuests(client, base, 21, n) // the landlords are the first fifth of the users
	if err != nil {
		return nil, err
	}
	landlords := map[int64]string{} // user id → token
	var out []url.Values
	for i := range n {
		house := 1 + i%30
		var detail struct {
			Errno string
			Data  struct {
				House struct {
					UserId int64 `json:"user_id"`
				} `json:"house"`
			}
		}
		if !call(client, http.MethodGet, fmt.Sprintf("%s/api/v1.0/houses/%d", base, house), "", "", &detail) || detail.Errno != "0" {
			return nil, fmt.Errorf("house %d: %+v", house, detail)
		}
		owner := detail.Data.House.UserId
		if landlords[owner] == "" {
			tokens, err := loginGuests(client, base, int(owner), 1)
			if err != nil {
				return nil, err
			}
			landlords[owner] = tokens[0]
		}
		// three days, 200 days out; the second round of houses later still
		start := time.Now().AddDate(0, 0, 200+10*(i/30))
		body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, house,
			start.Format(time.DateOnly), start.AddDate(0, 0, 2).Format(time.DateOnly))
		var booked struct {
			Errno, Errmsg string
			Data          struct {
				OrderId int64 `json:"order_id"`
			}
		}
		if !call(client, http.MethodPost, base+"/api/v1.0/orders", guests[i], body, &booked) || booked.Errno != "0" {
			return nil, fmt.Errorf("booking house %d: %+v", house, booked)
		}
		id := booked.Data.OrderId
		var ok struct{ Errno, Errmsg string }
		if !call(client, http.MethodPut, base+"/api/v1.0/orders", landlords[owner], fmt.Sprintf(`{"action":"accept","order_id":%d}`, id), &ok) || ok.Errno != "0" {
			return nil, fmt.Errorf("accepting order %d: %+v", id, ok)
		}
		var pay struct {
			Errno string
			Data  struct {
				PayURL string `json:"pay_url"`
			}
		}
		if !call(client, http.MethodPost, fmt.Sprintf("%s/api/v1.0/orders/%d/payment", base, id), guests[i], "", &pay) || pay.Errno != "0" {
			return nil, fmt.Errorf("paying order %d: %+v", id, pay)
		}
		if err := gw.Open(pay.Data.PayURL); err != nil {
			return nil, err
		}
		u, _ := url.Parse(pay.Data.PayURL)
		var biz struct {
			OutTradeNo string `json:"out_trade_no"`
		}
		if err := json.Unmarshal([]byte(u.Query().Get("biz_content")), &biz); err != nil {
			return nil, err
		}
		notice, err := gw.Pay(biz.OutTradeNo)
		if err != nil {
			return nil, err
		}
		out = append(out, notice)
	}
	return out, nil
}

// postNotify posts a notify as Alipay does; "" when no answer came.
func postNotify(client *http.Client, base string, v url.Values) string {
	res, err := client.Post(base+"/api/v1.0/payments/alipay/notify", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}
