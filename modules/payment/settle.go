package payment

import (
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// pending reports whether p waits for a provider call: a trade to close,
// or a refund not yet confirmed.
func pending(p *core.Record) bool {
	return p.GetBool(FieldClosePending) || p.GetInt(FieldRefundDue) > p.GetInt(FieldRefund)
}

// settle makes the provider calls payment id waits for (the outbox of
// API.md §6.4; DESIGN.md §6): close its trade, refund what is due. Each
// call is made outside any transaction; its outcome is recorded in a
// short one that re-reads the row, so two settles of one payment at once
// (the call after a commit and the cron job) record one outcome: the
// refund's idempotency key makes the second call harmless at the
// provider. A failure is recorded (attempts, last_error, next_try with
// backoff) for the settle job.
func (m *module) settle(id string) {
	p, err := m.app.FindRecordById(Collection, id)
	if err != nil {
		m.app.Logger().Error("payment: settle: cannot read the payment", "payment", id, "error", err)
		return
	}
	otn := p.GetString(FieldOutTradeNo)
	if p.GetBool(FieldClosePending) {
		err := m.prov.close(m.ctx, otn)
		if errors.Is(err, errTradePaid) {
			// paid while we closed: the payment came too late, refund it all
			err = m.confirmPaid(otn)
		}
		if err != nil {
			m.failed(id, "close", err)
			return
		}
		if err := m.record(id, func(p *core.Record) bool {
			if !p.GetBool(FieldClosePending) {
				return false
			}
			p.Set(FieldClosePending, false)
			return true
		}); err != nil {
			m.app.Logger().Error("payment: cannot record a closed trade", "payment", id, "error", err)
			return
		}
		if p, err = m.app.FindRecordById(Collection, id); err != nil {
			return
		}
	}
	due := int64(p.GetInt(FieldRefundDue))
	if due <= int64(p.GetInt(FieldRefund)) {
		return
	}
	reqNo := p.GetString(FieldOutRequestNo)
	if err := m.prov.refund(m.ctx, otn, reqNo, due); err != nil {
		m.failed(id, "refund", err)
		return
	}
	err = m.record(id, func(p *core.Record) bool {
		if p.GetString(FieldOutRequestNo) != reqNo || int64(p.GetInt(FieldRefundDue)) != due || int64(p.GetInt(FieldRefund)) >= due {
			return false // recorded already
		}
		p.Set(FieldRefund, due)
		p.Set(FieldRefundedAt, m.now())
		if due >= int64(p.GetInt(FieldAmount)) {
			p.Set(FieldStatus, Refunded)
		} else {
			p.Set(FieldStatus, PartialRefund)
		}
		return true
	})
	if err != nil {
		m.app.Logger().Error("payment: cannot record a refund the provider made", "payment", id, "error", err)
	}
}

// confirmPaid asks the provider about a trade a close found paid, and
// records the payment (refunded in full: its order is gone).
func (m *module) confirmPaid(otn string) error {
	t, err := m.prov.query(m.ctx, otn)
	if err != nil {
		return err
	}
	if !t.paid() {
		return errors.New("the close found the trade paid, the query does not")
	}
	_, err = m.paid(otn, t, nil)
	return err
}

// record applies change to payment id in a transaction, after re-reading
// it; change returns false when there is nothing to write. A recorded
// outcome clears the failure count.
func (m *module) record(id string, change func(p *core.Record) bool) error {
	return m.app.RunInTransaction(func(tx core.App) error {
		p, err := tx.FindRecordById(Collection, id)
		if err != nil {
			return err
		}
		if !change(p) {
			return nil
		}
		p.Set(FieldAttempts, 0)
		p.Set(FieldLastError, "")
		p.Set(FieldNextTry, types.DateTime{})
		return tx.Save(p)
	})
}

// failed records a failed provider call for the settle job: the next try
// waits RetryBase, doubled with each failure, at most RetryMax.
func (m *module) failed(id, what string, cause error) {
	m.app.Logger().Warn("payment: provider call failed, will retry", "payment", id, "call", what, "error", cause)
	err := m.app.RunInTransaction(func(tx core.App) error {
		p, err := tx.FindRecordById(Collection, id)
		if err != nil {
			return err
		}
		if !pending(p) {
			return nil // another settle succeeded meanwhile
		}
		n := p.GetInt(FieldAttempts) + 1
		wait := m.cfg.RetryBase
		for i := 1; i < n && wait < m.cfg.RetryMax; i++ {
			wait *= 2
		}
		p.Set(FieldAttempts, n)
		p.Set(FieldNextTry, m.now().Add(min(wait, m.cfg.RetryMax)))
		msg := what + ": " + cause.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		p.Set(FieldLastError, msg)
		return tx.Save(p)
	})
	if err != nil {
		m.app.Logger().Error("payment: cannot record a failed provider call", "payment", id, "error", err)
	}
}

// settleDue is the settle job: every payment whose close or refund is
// due, oldest first.
func (m *module) settleDue() {
	var ids []string
	err := m.app.DB().Select("id").From(Collection).
		Where(dbx.NewExp("("+FieldClosePending+" = TRUE OR "+FieldRefundDue+" > "+FieldRefund+") AND "+
			FieldNextTry+" <= {:now}", dbx.Params{"now": dbtime(m.now())})).
		OrderBy(FieldNextTry, "id").Limit(int64(m.cfg.Batch)).Column(&ids)
	if err != nil {
		m.app.Logger().Error("payment: settle job: cannot read the due payments", "error", err)
		return
	}
	for _, id := range ids {
		m.settle(id)
	}
}

// dbtime is t as PocketBase stores dates, for comparisons in SQL.
func dbtime(t time.Time) string {
	d, _ := types.ParseDateTime(t)
	return d.String()
}
