package payment

import (
	"database/sql"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/modules/house"
	"ihome/modules/order"
)

// cashierTrade is a trade as the fake cashier page shows it.
type cashierTrade struct {
	OutTradeNo  string `json:"out_trade_no"`
	Subject     string `json:"subject"`
	Amount      int64  `json:"amount"` // fen
	Status      string `json:"status"` // WAIT_BUYER_PAY, TRADE_CLOSED, TRADE_SUCCESS
	Expires     string `json:"expires"`
	SecondsLeft int64  `json:"seconds_left"`
}

// fakeTrade finds the payment behind a cashier request, 4002 when unknown.
func (m *module) fakeTrade(app core.App, otn string) (*core.Record, error) {
	if otn == "" {
		return nil, errno.Param("out_trade_no")
	}
	p, err := app.FindFirstRecordByData(Collection, FieldOutTradeNo, otn)
	if errors.Is(err, sql.ErrNoRows) || err == nil && p.GetString(FieldProvider) != ProviderFake {
		return nil, errno.New(errno.NoData, "交易不存在")
	}
	return p, err
}

// GET /payments/fake/trade?out_trade_no=: the trade the fake cashier page
// shows (--payment fake only; API.md §6.5).
func (m *module) cashierTrade(e *core.RequestEvent) error {
	p, err := m.fakeTrade(e.App, e.Request.URL.Query().Get("out_trade_no"))
	if err != nil {
		return err
	}
	o, err := e.App.FindRecordById(order.Collection, p.GetString(FieldOrder))
	if err != nil {
		return err
	}
	h, err := e.App.FindRecordById(house.Collection, o.GetString(order.FieldHouse))
	if err != nil {
		return err
	}
	t, err := m.prov.query(e.Request.Context(), p.GetString(FieldOutTradeNo))
	if err != nil {
		return err
	}
	now := m.now()
	expires := p.GetDateTime(FieldExpiresAt).Time()
	v := cashierTrade{OutTradeNo: p.GetString(FieldOutTradeNo), Subject: subject(o.Id, h.GetString(house.FieldTitle)),
		Amount: int64(p.GetInt(FieldAmount)), Status: t.status, Expires: expires.In(m.cfg.Location).Format(time.DateTime)}
	if t.status == tradeWaitBuyerPay {
		if expires.After(now) {
			v.SecondsLeft = int64(expires.Sub(now).Seconds())
		} else {
			v.Status = tradeClosed // Alipay closes it at time_expire
		}
	}
	return envelope.OK(e, v)
}

// POST /payments/fake/pay {out_trade_no}: the fake cashier's pay button.
// It signs the notify Alipay would send and hands it to the notify path
// (receive), then answers data {"return_url"}: where the browser goes
// next, with the signed return parameters. A closed or paid trade is
// 4004, an unknown one 4002.
func (m *module) cashierPay(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	otn, err := body.String("out_trade_no")
	if err != nil {
		return err
	}
	p, err := m.fakeTrade(e.App, otn)
	if err != nil {
		return err
	}
	now := m.now()
	switch {
	case p.GetString(FieldStatus) != Created:
		return errno.New(errno.DataErr, "交易已关闭或已支付")
	case !p.GetDateTime(FieldExpiresAt).Time().After(now):
		return errno.New(errno.DataErr, "交易已超时关闭")
	}
	fake := m.prov.(*fakeProvider)
	notice, err := fake.payNotify(p, now)
	if err != nil {
		return err
	}
	if err := m.receive(e.Request.Context(), notice); err != nil {
		return err
	}
	q, err := fake.returnQuery(notice, now)
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]string{"return_url": m.cfg.FakeReturnURL + "?" + q})
}
