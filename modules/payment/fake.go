package payment

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// FakeAppId is the app id of the fake provider's notifies.
const FakeAppId = "ihome-fake"

// fakeKeyFile is the fake provider's RSA key, made in the data dir on
// first use (API.md §6.5).
const fakeKeyFile = "fake_alipay_key.pem"

// fakeProvider is --payment fake: a cashier page served by this binary
// (cashier.html) whose pay button makes a notify signed with a key kept in
// the data dir, received by the same code as Alipay's (receive: signature,
// app id, trade number, amount, then the same transaction). Its trades are
// the payments rows themselves; closing and refunding always succeed.
// For demos and browser tests: never on unless asked for.
type fakeProvider struct {
	app core.App
	m   *module

	mu  sync.Mutex
	key *rsa.PrivateKey
}

func newFake(app core.App, m *module) *fakeProvider {
	return &fakeProvider{app: app, m: m}
}

func (f *fakeProvider) name() string { return ProviderFake }

// signer returns the key, making it in the data dir the first time.
func (f *fakeProvider) signer() (*rsa.PrivateKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.key != nil {
		return f.key, nil
	}
	path := filepath.Join(f.app.DataDir(), fakeKeyFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, fmt.Errorf("%s: not a PEM key", path)
		}
		if f.key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
		out := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(f.key)})
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, out, 0o600); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return f.key, nil
}

// signContent is Alipay's string to sign: the key=value pairs, sorted,
// joined with &, without sign and sign_type, empty values left out.
func signContent(form url.Values) string {
	var pairs []string
	for k, vs := range form {
		if k == "sign" || k == "sign_type" {
			continue
		}
		for _, v := range vs {
			if v != "" {
				pairs = append(pairs, k+"="+v)
			}
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// sign adds sign_type RSA2 and the SHA256withRSA signature to form.
func (f *fakeProvider) sign(form url.Values) error {
	key, err := f.signer()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(signContent(form)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	form.Set("sign_type", "RSA2")
	form.Set("sign", base64.StdEncoding.EncodeToString(sig))
	return nil
}

func (f *fakeProvider) payURL(t payRequest) (string, error) {
	return "/cashier.html?out_trade_no=" + url.QueryEscape(t.outTradeNo), nil
}

func (f *fakeProvider) verify(_ context.Context, form url.Values) error {
	key, err := f.signer()
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(form.Get("sign"))
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: no signature", errBadNotify)
	}
	sum := sha256.Sum256([]byte(signContent(form)))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: signature: %v", errBadNotify, err)
	}
	if form.Get("app_id") != FakeAppId {
		return fmt.Errorf("%w: app_id %q", errBadNotify, form.Get("app_id"))
	}
	return nil
}

// query answers from the payments row: the fake's trades are ours.
func (f *fakeProvider) query(_ context.Context, outTradeNo string) (trade, error) {
	p, err := f.app.FindFirstRecordByData(Collection, FieldOutTradeNo, outTradeNo)
	if err != nil {
		return trade{}, nil // no such trade
	}
	t := trade{exists: true, amount: int64(p.GetInt(FieldAmount)), tradeNo: p.GetString(FieldTradeNo)}
	switch p.GetString(FieldStatus) {
	case Created:
		t.status = tradeWaitBuyerPay
	case Closed:
		t.status = tradeClosed
	default:
		t.status = tradeSuccess
	}
	return t, nil
}

func (f *fakeProvider) close(context.Context, string) error { return nil }

func (f *fakeProvider) refund(context.Context, string, string, int64) error { return nil }

// payNotify is the notify the fake cashier sends for payment p, signed.
func (f *fakeProvider) payNotify(p *core.Record, now time.Time) (url.Values, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	form := url.Values{
		"app_id":       {FakeAppId},
		"notify_type":  {"trade_status_sync"},
		"notify_time":  {now.In(beijing).Format(time.DateTime)},
		"notify_id":    {hex.EncodeToString(b)},
		"charset":      {"utf-8"},
		"version":      {"1.0"},
		"out_trade_no": {p.GetString(FieldOutTradeNo)},
		"trade_no":     {now.In(beijing).Format("20060102") + "FAKE" + hex.EncodeToString(b[:6])},
		"trade_status": {tradeSuccess},
		"total_amount": {yuan(int64(p.GetInt(FieldAmount)))},
		"gmt_payment":  {now.In(beijing).Format(time.DateTime)},
	}
	return form, f.sign(form)
}

// returnQuery is the signed query string the cashier sends the browser
// back with (what Alipay's return_url gets).
func (f *fakeProvider) returnQuery(notice url.Values, now time.Time) (string, error) {
	form := url.Values{
		"app_id":       {FakeAppId},
		"method":       {"alipay.trade.page.pay.return"},
		"charset":      {"utf-8"},
		"version":      {"1.0"},
		"timestamp":    {now.In(beijing).Format(time.DateTime)},
		"out_trade_no": notice["out_trade_no"],
		"trade_no":     notice["trade_no"],
		"total_amount": notice["total_amount"],
	}
	if err := f.sign(form); err != nil {
		return "", err
	}
	return form.Encode(), nil
}
