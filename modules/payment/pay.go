package payment

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
)

// errOff answers the payment routes when no provider is configured.
var errOff = errno.New(errno.DataErr, "未启用在线支付")

// findOrder loads the order named by the path, 4002 when there is none.
func findOrder(e *core.RequestEvent) (*core.Record, error) {
	id := e.Request.PathValue("order_id")
	if intid.Int(id) < 1 {
		return nil, errno.New(errno.NoData, "订单不存在")
	}
	o, err := e.App.FindRecordById(order.Collection, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errno.New(errno.NoData, "订单不存在")
	}
	return o, err
}

// POST /orders/{order_id}/payment: the cashier page of the order's
// payment, data {"pay_url"} (API.md §6.1). The guest only (4105); the
// order must wait for its payment, within the pay window (4004); 4002
// when unknown. The same URL is given again while the payment is unpaid
// and its window open.
func (m *module) pay(e *core.RequestEvent) error {
	if _, err := params.Body(e); err != nil { // none is needed; a malformed one is still refused
		return err
	}
	o, err := findOrder(e)
	if err != nil {
		return err
	}
	if o.GetString(order.FieldGuest) != session.User(e).Id {
		return errno.New(errno.RoleErr, "只有下单的房客可以支付")
	}
	if m.prov == nil {
		return errOff
	}
	if orderStatus(o) != order.WaitPayment {
		return errno.New(errno.DataErr, "订单不在待支付状态")
	}
	p, err := paymentOf(e.App, o.Id)
	if err != nil {
		return err
	}
	now := m.now()
	if p == nil || p.GetString(FieldStatus) != Created || !p.GetDateTime(FieldExpiresAt).Time().After(now) {
		return errno.New(errno.DataErr, "支付已超时")
	}
	if u := p.GetString(FieldPayURL); u != "" {
		return envelope.OK(e, map[string]string{"pay_url": u})
	}
	h, err := e.App.FindRecordById(house.Collection, o.GetString(order.FieldHouse))
	if err != nil {
		return err
	}
	u, err := m.prov.payURL(payRequest{
		outTradeNo: p.GetString(FieldOutTradeNo),
		subject:    subject(o.Id, h.GetString(house.FieldTitle)),
		amount:     int64(p.GetInt(FieldAmount)),
		deadline:   p.GetDateTime(FieldExpiresAt).Time(),
		now:        now,
	})
	if err != nil {
		return errno.Wrap(errno.ThirdErr, err)
	}
	// the first URL made is the one kept (two clicks at once make two)
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(Collection, p.Id)
		if err != nil {
			return err
		}
		if kept := fresh.GetString(FieldPayURL); kept != "" {
			u = kept
			return nil
		}
		fresh.Set(FieldPayURL, u)
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]string{"pay_url": u})
}

// subject names the trade on the cashier page: at most 128 characters.
func subject(orderId, title string) string {
	s := fmt.Sprintf("爱家租房订单%s：%s", orderId, title)
	for utf8.RuneCountInString(s) > 128 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// paymentView is the answer of GET /orders/{order_id}/payment.
type paymentView struct {
	OrderId     int64  `json:"order_id"`
	OrderStatus string `json:"order_status"`
	Status      string `json:"status"`     // the payment's (API.md §6.5)
	Amount      int64  `json:"amount"`     // fen
	Refund      int64  `json:"refund"`     // fen refunded, confirmed by the provider
	RefundDue   int64  `json:"refund_due"` // fen to refund in all (refund < refund_due: under way)
	Expires     string `json:"expires"`    // end of the pay window, YYYY-MM-DD HH:MM:SS
	SecondsLeft int64  `json:"seconds_left"`
	PaidAt      string `json:"paid_at"` // "" when unpaid
	// CancelRefund is what a cancel now would refund (a PAID order; 0 else).
	CancelRefund int64 `json:"cancel_refund"`
}

// GET /orders/{order_id}/payment: the payment of an order, for its guest
// and its landlord (4105 else, 4002 when it has none): the amount, the
// time left to pay, the paid time, the refund, and what a cancel would
// refund. An addition to API.md §6, for the pages.
func (m *module) view(e *core.RequestEvent) error {
	o, err := findOrder(e)
	if err != nil {
		return err
	}
	h, err := e.App.FindRecordById(house.Collection, o.GetString(order.FieldHouse))
	if err != nil {
		return err
	}
	me := session.User(e).Id
	if o.GetString(order.FieldGuest) != me && h.GetString(house.FieldOwner) != me {
		return errno.New(errno.RoleErr, "只有房客和房东可以查看订单的支付")
	}
	p, err := paymentOf(e.App, o.Id)
	if err != nil {
		return err
	}
	if p == nil {
		return errno.New(errno.NoData, "该订单没有支付记录")
	}
	now := m.now()
	expires := p.GetDateTime(FieldExpiresAt).Time()
	v := paymentView{
		OrderId: intid.Int(o.Id), OrderStatus: orderStatus(o), Status: p.GetString(FieldStatus),
		Amount: int64(p.GetInt(FieldAmount)), Refund: int64(p.GetInt(FieldRefund)), RefundDue: int64(p.GetInt(FieldRefundDue)),
		Expires: expires.In(m.cfg.Location).Format(time.DateTime),
	}
	if v.Status == Created && orderStatus(o) == order.WaitPayment && expires.After(now) {
		v.SecondsLeft = int64(expires.Sub(now).Seconds())
	}
	if at := p.GetDateTime(FieldPaidAt); !at.IsZero() {
		v.PaidAt = at.Time().In(m.cfg.Location).Format(time.DateTime)
	}
	if orderStatus(o) == order.Paid && v.Status == Paid {
		start, _ := stay.Parse(o.GetString(order.FieldStartDate))
		v.CancelRefund = RefundFor(house.CancelPolicy(h), v.Amount, start, stay.Today(now, m.cfg.Location))
	}
	return envelope.OK(e, v)
}

// PUT /orders/payment: the browser is back from the cashier page with
// the provider's signed return parameters as the body (API.md §6.3).
// They are verified like a notify, then the provider is asked
// (trade.query): only its answer changes state. data {"order_id",
// "status"} when the order is paid, 4004 when not (yet); 4105 for
// another user's; 4002 for an unknown trade; 4301 when the provider
// cannot be asked.
func (m *module) returned(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	form := url.Values{}
	for k, v := range body {
		switch t := v.(type) {
		case string:
			form.Set(k, t)
		case json.Number:
			form.Set(k, t.String())
		default:
			return errno.Param(k)
		}
	}
	otn := form.Get("out_trade_no")
	if otn == "" {
		return errno.Param("out_trade_no")
	}
	if m.prov == nil {
		return errOff
	}
	if err := m.prov.verify(e.Request.Context(), form); err != nil {
		e.App.Logger().Warn("payment: browser return refused", "out_trade_no", otn, "error", err)
		return errno.New(errno.DataErr, "支付结果验证失败")
	}
	p, err := e.App.FindFirstRecordByData(Collection, FieldOutTradeNo, otn)
	if errors.Is(err, sql.ErrNoRows) {
		return errno.New(errno.NoData, "支付记录不存在")
	} else if err != nil {
		return err
	}
	o, err := e.App.FindRecordById(order.Collection, p.GetString(FieldOrder))
	if err != nil {
		return err
	}
	if o.GetString(order.FieldGuest) != session.User(e).Id {
		return errno.New(errno.RoleErr, "不是您的订单")
	}
	if fen, ok := parseYuan(form.Get("total_amount")); !ok || fen != int64(p.GetInt(FieldAmount)) {
		return errno.New(errno.DataErr, "支付金额不符")
	}
	if s := p.GetString(FieldStatus); s == Created || s == Closed {
		t, err := m.prov.query(e.Request.Context(), otn)
		if err != nil {
			return errno.Wrap(errno.ThirdErr, err)
		}
		if !t.paid() || t.amount != int64(p.GetInt(FieldAmount)) {
			return errno.New(errno.DataErr, "尚未收到付款，请稍后刷新")
		}
		if _, err := m.paid(otn, t, nil); err != nil {
			return err
		}
		if o, err = e.App.FindRecordById(order.Collection, o.Id); err != nil {
			return err
		}
	}
	switch orderStatus(o) {
	case order.Paid, order.WaitComment, order.Complete:
		return envelope.OK(e, map[string]any{"order_id": intid.Int(o.Id), "status": orderStatus(o)})
	case order.Canceled:
		return errno.New(errno.DataErr, "订单已取消，款项将原路退回")
	}
	return errno.New(errno.DataErr, "尚未收到付款，请稍后刷新")
}
