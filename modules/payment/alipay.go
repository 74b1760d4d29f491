package payment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/smartwalle/alipay/v3"
)

// AlipayConfig configures --payment alipay: an app registered on Alipay's
// open platform with RSA2 keys (docs/PAYMENTS.md). Keys are read from
// files (or given whole, by tests); nothing of this lives in the repo.
type AlipayConfig struct {
	AppId string
	// PrivateKeyFile holds the app's private key (PKCS#1 or PKCS#8, PEM
	// or bare base64); PrivateKey, when set, is that key itself.
	PrivateKeyFile string
	PrivateKey     string
	// PublicKeyFile holds Alipay's public key (not the app's); PublicKey,
	// when set, is that key itself.
	PublicKeyFile string
	PublicKey     string
	// Gateway is the open API endpoint: the sandbox's first,
	// https://openapi-sandbox.dl.alipaydev.com/gateway.do, then
	// https://openapi.alipay.com/gateway.do.
	Gateway string
	// NotifyURL receives the provider's notify: this server's
	// /api/v1.0/payments/alipay/notify, reachable from the internet.
	NotifyURL string
	// ReturnURL is where the cashier sends the browser back: this
	// server's /paycomplete.html.
	ReturnURL string
}

// check names every missing setting at once.
func (c AlipayConfig) check() error {
	var missing []string
	for _, s := range []struct {
		name string
		ok   bool
	}{
		{"--alipay-app-id [IHOME_ALIPAY_APP_ID]", c.AppId != ""},
		{"--alipay-private-key-file [IHOME_ALIPAY_PRIVATE_KEY_FILE]", c.PrivateKeyFile != "" || c.PrivateKey != ""},
		{"--alipay-public-key-file [IHOME_ALIPAY_PUBLIC_KEY_FILE]", c.PublicKeyFile != "" || c.PublicKey != ""},
		{"--alipay-gateway [IHOME_ALIPAY_GATEWAY]", c.Gateway != ""},
		{"--alipay-notify-url [IHOME_ALIPAY_NOTIFY_URL]", c.NotifyURL != ""},
		{"--alipay-return-url [IHOME_ALIPAY_RETURN_URL]", c.ReturnURL != ""},
	} {
		if !s.ok {
			missing = append(missing, s.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--payment alipay needs %s (docs/PAYMENTS.md)", strings.Join(missing, ", "))
	}
	for name, u := range map[string]string{"--alipay-gateway": c.Gateway, "--alipay-notify-url": c.NotifyURL, "--alipay-return-url": c.ReturnURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("%s %q: not an absolute http(s) URL", name, u)
		}
	}
	return nil
}

// key returns the key given whole, else the file's content.
func key(whole, file, what string) (string, error) {
	if whole != "" {
		return whole, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// alipayProvider wraps github.com/smartwalle/alipay/v3: it signs requests
// with the app's key (RSA2), verifies answers and notifies with Alipay's
// public key.
type alipayProvider struct {
	cfg     AlipayConfig
	client  *alipay.Client
	timeout time.Duration
}

// beijing is Alipay's clock for time_expire.
var beijing = time.FixedZone("CST", 8*3600)

func newAlipay(cfg AlipayConfig, timeout time.Duration) (*alipayProvider, error) {
	priv, err := key(cfg.PrivateKey, cfg.PrivateKeyFile, "--alipay-private-key-file")
	if err != nil {
		return nil, err
	}
	pub, err := key(cfg.PublicKey, cfg.PublicKeyFile, "--alipay-public-key-file")
	if err != nil {
		return nil, err
	}
	// "Sandbox" mode with the configured gateway, whichever it is: the
	// SDK's production mode would download certificates named by an
	// incoming alipay_cert_sn, which we never use (public-key mode).
	client, err := alipay.New(cfg.AppId, priv, false,
		alipay.WithSandboxGateway(cfg.Gateway),
		alipay.WithHTTPClient(&http.Client{Timeout: timeout}),
		alipay.WithTimeLocation(beijing))
	if err != nil {
		return nil, fmt.Errorf("--alipay-private-key-file: not an RSA private key: %w", err)
	}
	if err := client.LoadAliPayPublicKey(pub); err != nil {
		return nil, fmt.Errorf("--alipay-public-key-file: not an RSA public key: %w", err)
	}
	return &alipayProvider{cfg: cfg, client: client, timeout: timeout}, nil
}

func (p *alipayProvider) name() string { return ProviderAlipay }

// payURL is an alipay.trade.page.pay URL (API.md §6.1). The pay window
// is given twice: timeout_express (whole minutes left, at least 1) and
// time_expire (the deadline, Beijing time), which Alipay prefers.
func (p *alipayProvider) payURL(t payRequest) (string, error) {
	minutes := max(1, int64(math.Ceil(t.deadline.Sub(t.now).Minutes())))
	u, err := p.client.TradePagePay(alipay.TradePagePay{Trade: alipay.Trade{
		NotifyURL:      p.cfg.NotifyURL,
		ReturnURL:      p.cfg.ReturnURL,
		Subject:        t.subject,
		OutTradeNo:     t.outTradeNo,
		TotalAmount:    yuan(t.amount),
		ProductCode:    "FAST_INSTANT_TRADE_PAY",
		TimeoutExpress: fmt.Sprintf("%dm", minutes),
		TimeExpire:     t.deadline.In(beijing).Format(time.DateTime),
	}})
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// verify checks the RSA2 signature (the SDK's: sorted key=value pairs but
// sign and sign_type, SHA256withRSA) and the app id. alipay_cert_sn is
// dropped first: in public-key mode it means nothing, and the SDK would
// otherwise look for that certificate.
func (p *alipayProvider) verify(ctx context.Context, form url.Values) error {
	values := url.Values{}
	for k, v := range form {
		if k != "alipay_cert_sn" {
			values[k] = v
		}
	}
	if values.Get("sign") == "" {
		return fmt.Errorf("%w: no signature", errBadNotify)
	}
	if err := p.client.VerifySign(ctx, values); err != nil {
		return fmt.Errorf("%w: signature: %v", errBadNotify, err)
	}
	if values.Get("app_id") != p.cfg.AppId {
		return fmt.Errorf("%w: app_id %q", errBadNotify, values.Get("app_id"))
	}
	return nil
}

func (p *alipayProvider) query(ctx context.Context, outTradeNo string) (trade, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	rsp, err := p.client.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: outTradeNo})
	if err = answer(rsp, err); err != nil {
		if isSubCode(err, "ACQ.TRADE_NOT_EXIST") {
			return trade{}, nil
		}
		return trade{}, fmt.Errorf("alipay.trade.query %s: %w", outTradeNo, err)
	}
	fen, ok := parseYuan(rsp.TotalAmount)
	if !ok {
		return trade{}, fmt.Errorf("alipay.trade.query %s: total_amount %q", outTradeNo, rsp.TotalAmount)
	}
	return trade{exists: true, status: string(rsp.TradeStatus), amount: fen, tradeNo: rsp.TradeNo}, nil
}

func (p *alipayProvider) close(ctx context.Context, outTradeNo string) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	rsp, err := p.client.TradeClose(ctx, alipay.TradeClose{OutTradeNo: outTradeNo})
	switch err = answer(rsp, err); {
	case err == nil, isSubCode(err, "ACQ.TRADE_NOT_EXIST"):
		return nil
	case isSubCode(err, "ACQ.TRADE_STATUS_ERROR"):
		// closed already, or paid: the query tells
		t, qerr := p.query(ctx, outTradeNo)
		if qerr != nil {
			return qerr
		}
		if t.paid() {
			return errTradePaid
		}
		return nil
	default:
		return fmt.Errorf("alipay.trade.close %s: %w", outTradeNo, err)
	}
}

func (p *alipayProvider) refund(ctx context.Context, outTradeNo, outRequestNo string, fen int64) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	rsp, err := p.client.TradeRefund(ctx, alipay.TradeRefund{
		OutTradeNo:   outTradeNo,
		RefundAmount: yuan(fen),
		OutRequestNo: outRequestNo,
		RefundReason: "订单取消",
	})
	if err = answer(rsp, err); err != nil {
		return fmt.Errorf("alipay.trade.refund %s %s: %w", outTradeNo, outRequestNo, err)
	}
	return nil
}

// answer turns an answer with a failure code into an error (the SDK has
// verified its signature); a transport or signature failure is err itself.
func answer(rsp any, err error) error {
	if err != nil {
		return err
	}
	var e *alipay.Error
	switch r := rsp.(type) {
	case *alipay.TradeQueryRsp:
		if r != nil {
			e = &r.Error
		}
	case *alipay.TradeCloseRsp:
		if r != nil {
			e = &r.Error
		}
	case *alipay.TradeRefundRsp:
		if r != nil {
			e = &r.Error
		}
	}
	switch {
	case e == nil:
		return errors.New("no answer")
	case e.IsFailure():
		return *e
	}
	return nil
}

// isSubCode reports whether err is Alipay's business error code.
func isSubCode(err error, code string) bool {
	var e alipay.Error
	if errors.As(err, &e) {
		return e.SubCode == code
	}
	var pe *alipay.Error
	return errors.As(err, &pe) && pe.SubCode == code
}
