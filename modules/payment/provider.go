package payment

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"ihome/modules/house"
)

// provider is the payment service, as §6 uses it. Every method that calls
// out is bounded by Config.Timeout and is never called inside a
// transaction.
type provider interface {
	// name is the provider's name in the payments rows.
	name() string
	// payURL is the signed cashier page of a trade.
	payURL(t payRequest) (string, error)
	// verify checks a notify or browser-return form: the RSA2 signature
	// with the provider's public key, and the app id (API.md §6.2).
	verify(ctx context.Context, form url.Values) error
	// query asks for a trade's state (alipay.trade.query).
	query(ctx context.Context, outTradeNo string) (trade, error)
	// close ends an unpaid trade (alipay.trade.close): nil too when the
	// trade never existed (the cashier was never opened) or is closed;
	// errTradePaid when it was paid meanwhile.
	close(ctx context.Context, outTradeNo string) error
	// refund gives back fen of a paid trade (alipay.trade.refund); the
	// same outRequestNo twice refunds once.
	refund(ctx context.Context, outTradeNo, outRequestNo string, fen int64) error
}

// payRequest is what a cashier page is made of.
type payRequest struct {
	outTradeNo string
	subject    string
	amount     int64 // fen
	deadline   time.Time
	now        time.Time
}

// Trade states of the provider (Alipay's names).
const (
	tradeWaitBuyerPay = "WAIT_BUYER_PAY"
	tradeClosed       = "TRADE_CLOSED"
	tradeSuccess      = "TRADE_SUCCESS"
	tradeFinished     = "TRADE_FINISHED"
)

// trade is a provider's answer to a query.
type trade struct {
	exists  bool
	status  string // one of the trade states when exists
	amount  int64  // fen
	tradeNo string
	paidAt  time.Time // zero when the provider did not say
}

// paid reports whether the trade's money was taken (API.md §6.2).
func (t trade) paid() bool {
	return t.exists && isPaidStatus(t.status)
}

func isPaidStatus(s string) bool { return s == tradeSuccess || s == tradeFinished }

// errTradePaid: a close found the trade paid.
var errTradePaid = errors.New("the trade is paid")

// errBadNotify is a notify or return form that fails verification.
var errBadNotify = errors.New("notify refused")

// yuan writes fen as the provider's amount: yuan with two decimals
// (29950 → "299.50"), exactly.
func yuan(fen int64) string {
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// parseYuan reads a provider's amount ("299.50", "0.01") as fen, exactly
// (no float).
func parseYuan(s string) (int64, bool) {
	return house.ParseYuan(s)
}
