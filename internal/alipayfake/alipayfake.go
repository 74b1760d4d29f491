// Package alipayfake is a local Alipay open-API gateway for tests, over
// real HTTP (an httptest server), with its own RSA key pair made at test
// time. Like Alipay it checks every request's RSA2 signature with the
// app's public key (implemented here from Alipay's published algorithm:
// the parameters but sign and sign_type, sorted, joined as k=v with &,
// SHA256withRSA, base64 — independently of the SDK the server uses), the
// app id and the amounts; it answers alipay.trade.query, .close and
// .refund with JSON signed by its own key, keeps refunds idempotent by
// out_request_no, and on demand fails or never answers. The cashier page
// (alipay.trade.page.pay) creates the trade; Pay then takes the money and
// returns the signed notify form that Alipay would post, for the test to
// post to the server.
//
// The server lives in the test process, so it outlives an ihome process
// that a test kills.
package alipayfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// AppId is the app id the gateway accepts.
const AppId = "2021000000000001"

// Mode is how the gateway answers a well-signed request of one method.
type Mode int

// Modes.
const (
	OK     Mode = iota // answer as Alipay does
	Fail               // a signed business failure (20000, service unavailable)
	Silent             // no answer: hold the request until the client gives up
)

// Trade is a trade as the gateway keeps it.
type Trade struct {
	OutTradeNo string
	TradeNo    string
	Amount     int64  // fen
	Status     string // WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED
	Refunded   int64  // fen, in all
	Refunds    int    // refunds made (a repeated out_request_no makes none)
	NotifyURL  string
	ReturnURL  string
	Subject    string
	TimeExpire string
	requests   map[string]int64 // out_request_no → fen
}

// Gateway is a running fake gateway.
type Gateway struct {
	// URL is the gateway endpoint (…/gateway.do).
	URL string
	// AppPrivateKey is the app's private key (PEM): the server signs with it.
	AppPrivateKey string
	// PublicKey is the gateway's ("Alipay's") public key (PEM): the
	// server verifies answers and notifies with it.
	PublicKey string

	t      testing.TB
	key    *rsa.PrivateKey
	appPub *rsa.PublicKey

	mu       sync.Mutex
	arrived  *sync.Cond // signaled at each well-signed request
	trades   map[string]*Trade
	modes    map[string]Mode
	calls    map[string]int
	refused  []string // requests refused for their signature or app id
	sequence int
}

// New starts a gateway; it stops when t ends.
func New(t testing.TB) *Gateway {
	t.Helper()
	key := newKey(t)
	appKey := newKey(t)
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{
		AppPrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey)})),
		PublicKey:     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		t:             t, key: key, appPub: &appKey.PublicKey,
		trades: map[string]*Trade{}, modes: map[string]Mode{}, calls: map[string]int{},
	}
	g.arrived = sync.NewCond(&g.mu)
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/gateway.do"
	return g
}

func newKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// SetMode makes method ("alipay.trade.refund", …) answer in mode m.
func (g *Gateway) SetMode(method string, m Mode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.modes[method] = m
}

// Calls counts the well-signed requests of method received so far.
func (g *Gateway) Calls(method string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[method]
}

// AwaitCalls blocks until the gateway has received n well-signed
// requests of method in all (a Silent one is then being held), or a minute
// has passed; it reports which.
func (g *Gateway) AwaitCalls(method string, n int) bool {
	deadline := time.Now().Add(time.Minute)
	stop := time.AfterFunc(time.Minute, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.arrived.Broadcast()
	})
	defer stop.Stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.calls[method] < n {
		if time.Now().After(deadline) {
			return false
		}
		g.arrived.Wait()
	}
	return true
}

// Refused lists the requests refused for a bad signature or app id: a
// correct server sends none.
func (g *Gateway) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.refused)
}

// Trade returns a copy of trade outTradeNo.
func (g *Gateway) Trade(outTradeNo string) (Trade, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tr, ok := g.trades[outTradeNo]
	if !ok {
		return Trade{}, false
	}
	c := *tr
	c.requests = nil
	return c, true
}

// Open visits a page-pay URL over HTTP, as the guest's browser does: the
// gateway checks its signature and amount and creates the trade.
func (g *Gateway) Open(payURL string) error {
	res, err := http.Get(payURL)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return fmt.Errorf("cashier: HTTP %d: %s", res.StatusCode, body)
	}
	return nil
}

// Pay takes the money of an open trade, as the guest's payment does, and
// returns the notify Alipay then posts, signed.
func (g *Gateway) Pay(outTradeNo string) (url.Values, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tr, ok := g.trades[outTradeNo]
	if !ok {
		return nil, fmt.Errorf("pay: no trade %s (open the cashier first)", outTradeNo)
	}
	if tr.Status != "WAIT_BUYER_PAY" {
		return nil, fmt.Errorf("pay: trade %s is %s", outTradeNo, tr.Status)
	}
	g.sequence++
	tr.Status = "TRADE_SUCCESS"
	tr.TradeNo = fmt.Sprintf("2026%016d", g.sequence)
	return g.notifyLocked(tr), nil
}

// Notify is the signed notify of a paid trade, as Alipay sends (and
// sends again) it.
func (g *Gateway) Notify(outTradeNo string) url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	tr, ok := g.trades[outTradeNo]
	if !ok {
		g.t.Errorf("notify: no trade %s", outTradeNo)
		return url.Values{}
	}
	return g.notifyLocked(tr)
}

func (g *Gateway) notifyLocked(tr *Trade) url.Values {
	now := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateTime)
	v := url.Values{
		"notify_time": {now}, "notify_type": {"trade_status_sync"}, "notify_id": {fmt.Sprintf("n%d", time.Now().UnixNano())},
		"app_id": {AppId}, "charset": {"utf-8"}, "version": {"1.0"},
		"trade_no": {tr.TradeNo}, "out_trade_no": {tr.OutTradeNo}, "trade_status": {tr.Status},
		"total_amount": {Yuan(tr.Amount)}, "receipt_amount": {Yuan(tr.Amount)}, "buyer_pay_amount": {Yuan(tr.Amount)},
		"subject": {tr.Subject}, "gmt_create": {now}, "gmt_payment": {now},
		"seller_id": {"2088000000000001"}, "buyer_id": {"2088000000000002"},
	}
	g.signLocked(v)
	return v
}

// Return is the signed query the cashier sends the browser back with.
func (g *Gateway) Return(outTradeNo string) url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	tr := g.trades[outTradeNo]
	v := url.Values{
		"app_id": {AppId}, "method": {"alipay.trade.page.pay.return"}, "charset": {"utf-8"}, "version": {"1.0"},
		"timestamp": {time.Now().Format(time.DateTime)}, "seller_id": {"2088000000000001"},
		"out_trade_no": {outTradeNo}, "trade_no": {tr.TradeNo}, "total_amount": {Yuan(tr.Amount)},
	}
	g.signLocked(v)
	return v
}

// Sign (re)signs v with the gateway's key, as Alipay signs its notifies:
// a test changes a field and signs again to forge "Alipay's" word.
func (g *Gateway) Sign(v url.Values) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.signLocked(v)
}

func (g *Gateway) signLocked(v url.Values) {
	v.Del("sign")
	v.Set("sign_type", "RSA2")
	v.Set("sign", base64.StdEncoding.EncodeToString(g.signBytes([]byte(Content(v)))))
}

func (g *Gateway) signBytes(b []byte) []byte {
	sum := sha256.Sum256(b)
	sig, err := rsa.SignPKCS1v15(rand.Reader, g.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err) // a fresh 2048-bit key always signs
	}
	return sig
}

// Content is the string Alipay signs a notify or return with: every
// parameter but sign and sign_type, with a value, sorted by name, as
// name=value joined by &.
func Content(v url.Values) string { return content(v, "sign", "sign_type") }

// requestContent is the string an app signs a request with: the same,
// but only sign is left out (sign_type is signed).
func requestContent(v url.Values) string { return content(v, "sign") }

func content(v url.Values, leaveOut ...string) string {
	var pairs []string
	for k, vs := range v {
		if slices.Contains(leaveOut, k) {
			continue
		}
		for _, s := range vs {
			if s != "" {
				pairs = append(pairs, k+"="+s)
			}
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// Yuan is fen as Alipay's amount, "299.50".
func Yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

var amountPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.([0-9]{2})$`)

// parseAmount reads an amount the server sent: exactly two decimals.
func parseAmount(s string) (int64, bool) {
	m := amountPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	y, _ := strconv.ParseInt(m[1], 10, 64)
	f, _ := strconv.ParseInt(m[2], 10, 64)
	return y*100 + f, true
}

// verify checks a request from the server: the app's RSA2 signature over
// its parameters, and the app id.
func (g *Gateway) verify(v url.Values) error {
	if v.Get("sign_type") != "RSA2" {
		return fmt.Errorf("sign_type %q", v.Get("sign_type"))
	}
	sig, err := base64.StdEncoding.DecodeString(v.Get("sign"))
	if err != nil {
		return fmt.Errorf("sign: %v", err)
	}
	sum := sha256.Sum256([]byte(requestContent(v)))
	if err := rsa.VerifyPKCS1v15(g.appPub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	if v.Get("app_id") != AppId {
		return fmt.Errorf("app_id %q", v.Get("app_id"))
	}
	return nil
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	v := r.Form
	method := v.Get("method")
	if err := g.verify(v); err != nil {
		g.mu.Lock()
		g.refused = append(g.refused, method+": "+err.Error())
		g.mu.Unlock()
		g.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": err.Error()})
		return
	}
	var biz map[string]any
	if err := json.Unmarshal([]byte(v.Get("biz_content")), &biz); err != nil {
		g.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-biz-content"})
		return
	}
	bizString := func(k string) string { s, _ := biz[k].(string); return s }

	g.mu.Lock()
	g.calls[method]++
	mode := g.modes[method]
	g.arrived.Broadcast()
	g.mu.Unlock()
	switch mode {
	case Silent:
		<-r.Context().Done() // the client gives up; nothing is done
		return
	case Fail:
		g.answer(w, method, map[string]any{"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "aop.unknow-error", "sub_msg": "系统繁忙"})
		return
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	otn := bizString("out_trade_no")
	tr := g.trades[otn]
	notExist := map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
	switch method {
	case "alipay.trade.page.pay":
		fen, ok := parseAmount(bizString("total_amount"))
		if !ok || otn == "" || bizString("product_code") != "FAST_INSTANT_TRADE_PAY" || bizString("subject") == "" ||
			!regexp.MustCompile(`^[1-9][0-9]*m$`).MatchString(bizString("timeout_express")) {
			http.Error(w, "bad page pay request: "+v.Get("biz_content"), http.StatusBadRequest)
			return
		}
		if tr == nil {
			tr = &Trade{OutTradeNo: otn, Amount: fen, Status: "WAIT_BUYER_PAY", requests: map[string]int64{}}
			g.trades[otn] = tr
		} else if tr.Amount != fen {
			http.Error(w, "ACQ.TRADE_HAS_CHANGED", http.StatusBadRequest)
			return
		}
		tr.NotifyURL, tr.ReturnURL = v.Get("notify_url"), v.Get("return_url")
		tr.Subject, tr.TimeExpire = bizString("subject"), bizString("time_expire")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>收银台</title><p>%s ¥%s</p>", tr.Subject, Yuan(tr.Amount))
	case "alipay.trade.query":
		if tr == nil {
			g.answer(w, method, notExist)
			return
		}
		g.answer(w, method, map[string]any{"code": "10000", "msg": "Success", "out_trade_no": otn, "trade_no": tr.TradeNo,
			"trade_status": tr.Status, "total_amount": Yuan(tr.Amount), "buyer_logon_id": "138****0000"})
	case "alipay.trade.close":
		switch {
		case tr == nil:
			g.answer(w, method, notExist)
		case tr.Status != "WAIT_BUYER_PAY":
			g.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
		default:
			tr.Status = "TRADE_CLOSED"
			g.answer(w, method, map[string]any{"code": "10000", "msg": "Success", "out_trade_no": otn, "trade_no": tr.TradeNo})
		}
	case "alipay.trade.refund":
		reqNo := bizString("out_request_no")
		fen, ok := parseAmount(bizString("refund_amount"))
		switch {
		case tr == nil:
			g.answer(w, method, notExist)
		case !ok || fen <= 0 || reqNo == "":
			g.answer(w, method, map[string]any{"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter"})
		case tr.requests[reqNo] != 0 && tr.requests[reqNo] != fen:
			g.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额与同一请求号的不一致"})
		case tr.requests[reqNo] == fen: // the same request again: refunded once
			g.answer(w, method, g.refundAnswer(tr, "N"))
		case tr.Status != "TRADE_SUCCESS":
			g.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"})
		case tr.Refunded+fen > tr.Amount:
			g.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额超限"})
		default:
			tr.requests[reqNo] = fen
			tr.Refunded += fen
			tr.Refunds++
			if tr.Refunded == tr.Amount {
				tr.Status = "TRADE_CLOSED"
			}
			g.answer(w, method, g.refundAnswer(tr, "Y"))
		}
	default:
		g.answer(w, method, map[string]any{"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"})
	}
}

func (g *Gateway) refundAnswer(tr *Trade, fundChange string) map[string]any {
	return map[string]any{"code": "10000", "msg": "Success", "out_trade_no": tr.OutTradeNo, "trade_no": tr.TradeNo,
		"buyer_logon_id": "138****0000", "fund_change": fundChange, "refund_fee": Yuan(tr.Refunded)}
}

// answer writes Alipay's answer shape: {"<method>_response": {...},
// "sign": "..."}, the signature over the response object's exact bytes.
func (g *Gateway) answer(w http.ResponseWriter, method string, body map[string]any) {
	obj, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	name, _ := json.Marshal(strings.ReplaceAll(method, ".", "_") + "_response")
	sig, _ := json.Marshal(base64.StdEncoding.EncodeToString(g.signBytes(obj)))
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	fmt.Fprintf(w, "{%s:%s,\"sign\":%s}", name, obj, sig)
}
