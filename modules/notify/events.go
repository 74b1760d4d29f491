package notify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/sms"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
	"ihome/modules/payment"
	"ihome/modules/user"
)

// Hook ids of the events.
const (
	CreatedHookId = "ihome.notify.orderCreated"
	UpdatedHookId = "ihome.notify.orderUpdated"
	RefundHookId  = "ihome.notify.refund"
)

// bindEvents writes the notifications of API.md §8.2 for every writer of
// an order or a payment (API, cron, admin UI). The hooks run at the write
// itself (…Execute), inside the transaction the order rules opened: the
// notification commits or rolls back with the row that caused it.
func (m *module) bindEvents(app core.App) {
	app.OnRecordCreateExecute(order.Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: CreatedHookId,
		Func: func(e *core.RecordEvent) error {
			return withWrite(e, func(tx core.App) (func() error, error) {
				return func() error {
					if e.Record.GetString(order.FieldStatus) != order.WaitAccept {
						return nil
					}
					return m.add(tx, e.Record, KindOrderNew, 0)
				}, nil
			})
		},
	})
	app.OnRecordUpdateExecute(order.Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: UpdatedHookId,
		Func: func(e *core.RecordEvent) error {
			return withWrite(e, func(tx core.App) (func() error, error) {
				// the row as stored, not as its caller loaded it: a stale
				// copy would report a change that is not one
				stored, err := tx.FindRecordById(order.Collection, e.Record.Id)
				if err != nil {
					return nil, err
				}
				before := stored.GetString(order.FieldStatus)
				return func() error {
					kind := kindOf(before, e.Record)
					if kind == "" {
						return nil
					}
					return m.add(tx, e.Record, kind, 0)
				}, nil
			})
		},
	})
	// a refund the provider confirmed (API.md §6.4, and the full refund of
	// a payment that came too late, §6.2): the payment's refund grows
	app.OnRecordUpdateExecute(payment.Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: RefundHookId,
		Func: func(e *core.RecordEvent) error {
			return withWrite(e, func(tx core.App) (func() error, error) {
				stored, err := tx.FindRecordById(payment.Collection, e.Record.Id)
				if err != nil {
					return nil, err
				}
				before := int64(stored.GetInt(payment.FieldRefund))
				return func() error {
					fen := int64(e.Record.GetInt(payment.FieldRefund)) - before
					if fen <= 0 {
						return nil
					}
					o, err := tx.FindRecordById(order.Collection, e.Record.GetString(payment.FieldOrder))
					if err != nil {
						return err
					}
					return m.add(tx, o, KindRefunded, fen)
				}, nil
			})
		},
	})
}

// withWrite runs before, the write (e.Next) and what before returned in
// one transaction: the caller's (the order rules always open one), or a
// new one, so that the write and its notification commit together
// whoever saves the row. The event gets the caller's App back.
func withWrite(e *core.RecordEvent, before func(tx core.App) (func() error, error)) error {
	outer := e.App
	defer func() { e.App = outer }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		after, err := before(tx)
		if err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		return after()
	})
}

// kindOf is the notification a status change from before to o's status
// gives, "" for none (API.md §8.2).
func kindOf(before string, o *core.Record) string {
	after := o.GetString(order.FieldStatus)
	if before == after {
		return ""
	}
	comment := o.GetString(order.FieldComment)
	switch {
	case before == order.WaitAccept && (after == order.WaitComment || after == order.WaitPayment):
		return KindOrderAccepted
	case after == order.Rejected:
		return KindOrderRejected
	case after == order.Canceled && before == order.WaitAccept && comment == order.ExpiredComment:
		return KindOrderExpired
	case after == order.Canceled && before == order.WaitPayment && comment == payment.PayExpiredComment:
		return KindPayExpired
	case after == order.Canceled:
		return KindOrderCanceled
	case before == order.WaitPayment && after == order.Paid:
		return KindPaid
	}
	return ""
}

// toLandlord lists the kinds told to the house's owner; the rest go to the guest.
var toLandlord = map[string]bool{KindOrderNew: true, KindPaid: true}

// templates maps each kind to its SMS template.
var templates = map[string]string{
	KindOrderNew:      sms.TemplateOrderNew,
	KindOrderAccepted: sms.TemplateOrderAccepted,
	KindOrderRejected: sms.TemplateOrderRejected,
	KindOrderCanceled: sms.TemplateOrderCanceled,
	KindOrderExpired:  sms.TemplateOrderExpired,
	KindPayExpired:    sms.TemplatePayExpired,
	KindRefunded:      sms.TemplateRefunded,
	KindPaid:          sms.TemplatePaid,
}

// add writes, in tx, the notification of kind about order o for its
// landlord or guest, and the outbox row of its text message. fen is the
// refund of KindRefunded.
func (m *module) add(tx core.App, o *core.Record, kind string, fen int64) error {
	h, err := tx.FindRecordById(house.Collection, o.GetString(order.FieldHouse))
	if err != nil {
		return fmt.Errorf("notify %s: house: %w", kind, err)
	}
	to := o.GetString(order.FieldGuest)
	if toLandlord[kind] {
		to = h.GetString(house.FieldOwner)
	}
	u, err := tx.FindRecordById(user.Collection, to)
	if err != nil {
		return fmt.Errorf("notify %s: user: %w", kind, err)
	}

	notes, err := tx.FindCachedCollectionByNameOrId(Collection)
	if err != nil {
		return err
	}
	n := core.NewRecord(notes)
	n.Set(FieldUser, to)
	n.Set(FieldKind, kind)
	n.Set(FieldOrder, o.Id)
	n.Set(FieldText, text(kind, o, h, fen))
	n.Set(FieldRead, false)
	if err := tx.Save(n); err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}

	mobile := u.GetString(user.FieldMobile)
	tpl, ok := sms.Lookup(templates[kind])
	if !ok || mobile == "" {
		return nil
	}
	all := map[string]string{
		sms.ParamOrder: o.Id,
		sms.ParamStart: o.GetString(order.FieldStartDate),
		sms.ParamEnd:   o.GetString(order.FieldEndDate),
		sms.ParamMoney: yuan(fen),
	}
	params := map[string]string{}
	for _, p := range tpl.Params {
		params[p] = all[p]
	}
	outbox, err := tx.FindCachedCollectionByNameOrId(OutboxCollection)
	if err != nil {
		return err
	}
	now := m.cfg.Now()
	urgent := m.urgent(kind, o, now)
	first := now
	if end, quiet := m.quiet.until(now, m.cfg.Location); quiet && !urgent {
		first = end
	}
	r := core.NewRecord(outbox)
	r.Set(FieldNotification, n.Id)
	r.Set(FieldMobile, mobile)
	r.Set(FieldTemplate, tpl.Name)
	r.Set(FieldParams, params)
	r.Set(FieldKey, idempotencyKey(n.Id))
	r.Set(FieldUrgent, urgent)
	r.Set(FieldState, StatePending)
	r.Set(FieldAttempts, 0)
	r.Set(FieldNextTry, first)
	if err := tx.Save(r); err != nil {
		return fmt.Errorf("notify %s: outbox: %w", kind, err)
	}
	return nil
}

// urgent: texts that cannot wait for the end of quiet hours: a booking
// whose stay starts today or tomorrow (the landlord has little time to
// answer), and an acceptance that opens the pay window (API.md §6).
func (m *module) urgent(kind string, o *core.Record, now time.Time) bool {
	switch kind {
	case KindOrderNew:
		start, ok := stay.Parse(o.GetString(order.FieldStartDate))
		return ok && start <= stay.Today(now, m.cfg.Location).AddDays(1)
	case KindOrderAccepted:
		return o.GetString(order.FieldStatus) == order.WaitPayment
	}
	return false
}

// text is the notification as the user reads it in the app.
func text(kind string, o, h *core.Record, fen int64) string {
	stayText := fmt.Sprintf("「%s」%s 至 %s", h.GetString(house.FieldTitle),
		o.GetString(order.FieldStartDate), o.GetString(order.FieldEndDate))
	switch kind {
	case KindOrderNew:
		return fmt.Sprintf("新的预订申请：%s，共%d天，¥%s。请尽快接单或拒单。", stayText,
			o.GetInt(order.FieldDays), price(int64(o.GetInt(order.FieldAmount))))
	case KindOrderAccepted:
		if o.GetString(order.FieldStatus) == order.WaitPayment {
			return "房东已接单：" + stayText + "。请尽快完成支付。"
		}
		return "房东已接单：" + stayText + "。祝您入住愉快！"
	case KindOrderRejected:
		return "房东已拒单：" + stayText + "。原因：" + o.GetString(order.FieldComment)
	case KindOrderCanceled:
		return "订单已取消：" + stayText + "。"
	case KindOrderExpired:
		return "房东未及时接单，订单已自动取消：" + stayText + "。"
	case KindPayExpired:
		return "未在规定时间内支付，订单已取消：" + stayText + "。"
	case KindRefunded:
		return fmt.Sprintf("退款 ¥%s 已按原支付方式退回：%s。", price(fen), stayText)
	case KindPaid:
		return fmt.Sprintf("房客已付款：%s，¥%s。", stayText, price(int64(o.GetInt(order.FieldAmount))))
	}
	return stayText
}

// price is fen as the pages show yuan: 77400 → "774", 29950 → "299.50".
func price(fen int64) string {
	if fen%100 == 0 {
		return fmt.Sprint(fen / 100)
	}
	return yuan(fen)
}

// yuan is fen as yuan with two decimals (29950 → "299.50"), the SMS
// templates' money parameter.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// idempotencyKey names one notification's message for ever: its id and
// random bits (ids restart with a new database).
func idempotencyKey(id string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "ihome-n" + id + "-" + hex.EncodeToString(b)
}
