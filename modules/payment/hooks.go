package payment

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/errno"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
)

// RulesHookId identifies the payment rules on order updates.
const RulesHookId = "ihome.payment.rules"

// bindHooks binds the payment rules on orders, for every writer of an
// order (the API, the cron jobs, staff in the admin UI), in the write's
// own transaction (API.md §6):
//   - WAIT_ACCEPT → WAIT_PAYMENT opens the payment (CREATED, the pay
//     window starting now);
//   - → PAID only when its payment is PAID (the provider said so): staff
//     cannot mark an order paid by hand;
//   - WAIT_PAYMENT → CANCELED (the guest, the pay window, staff) closes the
//     payment, and the trade at the provider after the commit;
//   - PAID → CANCELED records the refund of the house's policy on the
//     order and the payment, and refunds after the commit.
func (m *module) bindHooks(app core.App) {
	app.OnRecordUpdate(order.Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id:   RulesHookId,
		Func: m.onOrderUpdate,
	})
}

func (m *module) onOrderUpdate(e *core.RecordEvent) error {
	o := e.Record
	outer := e.App
	defer func() { e.App = outer }()
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		stored, err := tx.FindRecordById(order.Collection, o.Id)
		if err != nil {
			return err
		}
		before, after := orderStatus(stored), orderStatus(o)
		if before == after {
			return e.Next()
		}
		p, err := paymentOf(tx, o.Id)
		if err != nil {
			return err
		}
		switch {
		case after == order.WaitPayment:
			if err := e.Next(); err != nil {
				return err
			}
			return m.open(tx, o)

		case after == order.Paid:
			if p == nil || p.GetString(FieldStatus) != Paid {
				return &errno.Error{Code: errno.DataErr, Msg: "未收到支付平台的付款确认",
					Err: validation.Errors{order.FieldStatus: validation.NewError("ihome_order_unpaid",
						"只有支付平台确认付款后订单才会变为 "+order.Paid)}}
			}
			return e.Next()

		case after == order.Canceled && before == order.WaitPayment:
			if err := e.Next(); err != nil {
				return err
			}
			if p == nil || p.GetString(FieldStatus) != Created {
				return nil
			}
			p.Set(FieldStatus, Closed)
			p.Set(FieldClosePending, true)
			m.due(p)
			if err := tx.Save(p); err != nil {
				return err
			}
			m.settleAfterCommit(tx, p.Id)
			return nil

		case after == order.Canceled && before == order.Paid:
			if p == nil || p.GetString(FieldStatus) != Paid {
				return e.Next()
			}
			h, err := tx.FindRecordById(house.Collection, o.GetString(order.FieldHouse))
			if err != nil {
				return err
			}
			start, _ := stay.Parse(o.GetString(order.FieldStartDate))
			fen := RefundFor(house.CancelPolicy(h), int64(p.GetInt(FieldAmount)), start, stay.Today(m.now(), m.cfg.Location))
			o.Set(order.FieldRefund, fen)
			if err := e.Next(); err != nil {
				return err
			}
			if fen == 0 {
				return nil
			}
			m.owe(p, fen)
			if err := tx.Save(p); err != nil {
				return err
			}
			m.settleAfterCommit(tx, p.Id)
			return nil
		}
		return e.Next()
	})
}

// open writes the payment of order o, just accepted: CREATED, for the
// order's amount, until the pay window ends.
func (m *module) open(tx core.App, o *core.Record) error {
	col, err := tx.FindCachedCollectionByNameOrId(Collection)
	if err != nil {
		return err
	}
	p := core.NewRecord(col)
	p.Set(FieldOrder, o.Id)
	p.Set(FieldProvider, m.prov.name())
	p.Set(FieldOutTradeNo, outTradeNo(o.Id))
	p.Set(FieldAmount, o.GetInt(order.FieldAmount))
	p.Set(FieldStatus, Created)
	p.Set(FieldExpiresAt, m.now().Add(m.cfg.PayWindow))
	return tx.Save(p)
}

// owe records on p that fen are to be refunded, with the refund's
// idempotency key, for the call after the commit.
func (m *module) owe(p *core.Record, fen int64) {
	p.Set(FieldRefundDue, fen)
	p.Set(FieldOutRequestNo, p.GetString(FieldOutTradeNo)+"_R1") // one refund per payment
	m.due(p)
}

// due makes p's pending provider call due now, as a new task.
func (m *module) due(p *core.Record) {
	p.Set(FieldAttempts, 0)
	p.Set(FieldNextTry, m.now())
	p.Set(FieldLastError, "")
}

// settleAfterCommit makes the provider calls p needs once tx has
// committed (never inside it); the settle job retries what fails. A
// rolled-back transaction calls nothing.
func (m *module) settleAfterCommit(tx core.App, paymentId string) {
	info := tx.TxInfo()
	if info == nil {
		m.settle(paymentId)
		return
	}
	info.OnComplete(func(txErr error) error {
		if txErr == nil {
			m.settle(paymentId)
		}
		return nil // the write committed: a failed call is the job's to retry
	})
}

// paymentOf is the payment of order orderId, nil when it has none.
func paymentOf(app core.App, orderId string) (*core.Record, error) {
	p, err := app.FindFirstRecordByFilter(Collection, FieldOrder+" = {:o}", dbx.Params{"o": orderId})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, err
}

// outTradeNo is a new trade number for order orderId: unique at the
// provider, across databases too (ids restart with a new one).
func outTradeNo(orderId string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "IH" + orderId + "_" + hex.EncodeToString(b)
}
