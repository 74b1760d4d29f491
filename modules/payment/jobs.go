package payment

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/stay"
	"ihome/modules/order"
)

// ids reads up to Batch payment ids matching where, oldest window first.
func (m *module) ids(where dbx.Expression) []string {
	var ids []string
	err := m.app.DB().Select("id").From(Collection).Where(where).
		OrderBy(FieldExpiresAt, "id").Limit(int64(m.cfg.Batch)).Column(&ids)
	if err != nil {
		m.app.Logger().Error("payment: cannot read the payments of a job", "error", err)
	}
	return ids
}

// endWindows is the pay-window job (API.md §6): an unpaid payment whose
// window is over cancels its order ("未在规定时间内支付"), and its trade
// is closed at the provider after the commit (the payment rules). The
// provider is asked first: a payment made in time whose notify is late is
// recorded instead. A notify that comes after the cancel is refunded.
func (m *module) endWindows() {
	now := m.now()
	for _, id := range m.ids(dbx.NewExp(FieldStatus+" = {:s} AND "+FieldExpiresAt+" <= {:now}",
		dbx.Params{"s": Created, "now": dbtime(now)})) {
		if err := m.endWindow(id); err != nil {
			m.app.Logger().Error("payment: cannot end a pay window", "payment", id, "error", err)
		}
	}
}

func (m *module) endWindow(id string) error {
	p, err := m.app.FindRecordById(Collection, id)
	if err != nil {
		return err
	}
	otn := p.GetString(FieldOutTradeNo)
	if t, err := m.prov.query(m.ctx, otn); err == nil && t.paid() && t.amount == int64(p.GetInt(FieldAmount)) {
		_, err := m.paid(otn, t, nil)
		return err
	}
	return m.app.RunInTransaction(func(tx core.App) error {
		p, err := tx.FindRecordById(Collection, id)
		if err != nil || p.GetString(FieldStatus) != Created {
			return err // paid or closed meanwhile
		}
		o, err := tx.FindRecordById(order.Collection, p.GetString(FieldOrder))
		if err != nil {
			return err
		}
		if orderStatus(o) == order.WaitPayment {
			o.Set(order.FieldStatus, order.Canceled)
			o.Set(order.FieldComment, PayExpiredComment)
			return tx.Save(o) // the payment rules close the payment and the trade
		}
		// an order that left WAIT_PAYMENT without closing its payment
		p.Set(FieldStatus, Closed)
		p.Set(FieldClosePending, true)
		m.due(p)
		if err := tx.Save(p); err != nil {
			return err
		}
		m.settleAfterCommit(tx, p.Id)
		return nil
	})
}

// queryUnpaid is the job that asks the provider about unpaid payments
// opened more than QueryAfter ago and still in their window (API.md §6.3):
// a notify may have been lost.
func (m *module) queryUnpaid() {
	now := m.now()
	// opened = expires_at − PayWindow ≤ now − QueryAfter
	for _, id := range m.ids(dbx.NewExp(FieldStatus+" = {:s} AND "+FieldExpiresAt+" > {:now} AND "+FieldExpiresAt+" <= {:late}",
		dbx.Params{"s": Created, "now": dbtime(now), "late": dbtime(now.Add(m.cfg.PayWindow - m.cfg.QueryAfter))})) {
		p, err := m.app.FindRecordById(Collection, id)
		if err != nil {
			continue
		}
		otn := p.GetString(FieldOutTradeNo)
		t, err := m.prov.query(m.ctx, otn)
		if err != nil {
			m.app.Logger().Warn("payment: trade query failed", "out_trade_no", otn, "error", err)
			continue
		}
		if !t.paid() {
			continue
		}
		if t.amount != int64(p.GetInt(FieldAmount)) {
			m.app.Logger().Error("payment: the provider reports another amount", "out_trade_no", otn, "amount", t.amount)
			continue
		}
		if _, err := m.paid(otn, t, nil); err != nil {
			m.app.Logger().Error("payment: cannot record a queried payment", "out_trade_no", otn, "error", err)
		}
	}
}

// checkout is the job that ends paid stays: PAID → WAIT_COMMENT the day
// after end_date (API.md §6), saved as records so every rule and index
// sees the change.
func (m *module) checkout() {
	today := stay.Today(m.now(), m.cfg.Location).String()
	for range 20 { // at most 20 batches a run; the next run takes the rest
		done, err := m.app.FindRecordsByFilter(order.Collection,
			order.FieldStatus+" = {:s} && "+order.FieldEndDate+" < {:today}", order.FieldEndDate+",id",
			m.cfg.Batch, 0, dbx.Params{"s": order.Paid, "today": today})
		if err != nil {
			m.app.Logger().Error("payment: checkout: cannot read the ended stays", "error", err)
			return
		}
		moved := 0
		for _, o := range done {
			o.Set(order.FieldStatus, order.WaitComment)
			if err := m.app.Save(o); err != nil {
				m.app.Logger().Error("payment: checkout: cannot end a stay", "order_id", o.Id, "error", err)
				continue
			}
			moved++
		}
		if len(done) < m.cfg.Batch || moved == 0 {
			return
		}
	}
}
