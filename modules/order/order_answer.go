package order

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
)

// PUT /orders: the landlord accepts or rejects an order waiting for an
// answer; the guest cancels an order waiting for an answer or a payment,
// or a paid one until its start date (API.md §4.3, §6.4). Answers 4103,
// 4002, 4105 and 4004 (not in a status the action takes).
func (m *module) answer(e *core.RequestEvent) error {
	me := session.User(e)
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	action, err := body.String("action")
	if err != nil || (action != "accept" && action != "reject" && action != "cancel") {
		return errno.Param("action")
	}
	orderId, err := body.Int("order_id", 1, 1<<53)
	if err != nil {
		return err
	}
	var reason string
	if action == "reject" {
		reason, err = body.Text("reason", 1, maxReasonLength) // API.md §1.7
		if err != nil {
			return err
		}
	}

	return m.change(e, orderId, func(tx core.App, o, h *core.Record) error {
		switch action {
		case "cancel":
			if o.GetString(FieldGuest) != me.Id {
				return errno.New(errno.RoleErr, "只有下单的房客可以取消订单")
			}
		default:
			if h.GetString(house.FieldOwner) != me.Id {
				return errno.New(errno.RoleErr, "只有房东可以处理订单")
			}
		}
		if !m.answerable(action, o) {
			return errno.New(errno.DataErr, "订单状态不允许此操作")
		}
		switch action {
		case "accept":
			o.Set(FieldStatus, m.cfg.AcceptTo)
		case "reject":
			o.Set(FieldStatus, Rejected)
			o.Set(FieldComment, reason)
		case "cancel":
			o.Set(FieldStatus, Canceled)
		}
		return tx.Save(o)
	})
}

// answerable reports whether action applies to o in its status: the
// landlord answers only before payment; the guest cancels before payment,
// and a paid order until its start date (the payment module refunds it by
// the house's policy, in the cancel's transaction).
func (m *module) answerable(action string, o *core.Record) bool {
	switch status := o.GetString(FieldStatus); {
	case status == WaitAccept:
		return true
	case action != "cancel":
		return false
	case status == WaitPayment:
		return true
	case status == Paid:
		start, ok := stay.Parse(o.GetString(FieldStartDate))
		return ok && m.today() <= start
	}
	return false
}

// PUT /orders/comment: the guest reviews a stay; the house's booking count
// rises in the same transaction (the order rules raise it on COMPLETE).
func (m *module) review(e *core.RequestEvent) error {
	me := session.User(e)
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	orderId, err := body.Int("order_id", 1, 1<<53)
	if err != nil {
		return err
	}
	// API.md §1.7; a review is written in a textarea, so its line breaks stay
	comment, err := body.TextLines("comment", 1, maxCommentLength)
	if err != nil {
		return err
	}
	return m.change(e, orderId, func(tx core.App, o, h *core.Record) error {
		if o.GetString(FieldGuest) != me.Id {
			return errno.New(errno.RoleErr, "只有下单的房客可以评价")
		}
		if o.GetString(FieldStatus) != WaitComment {
			return errno.New(errno.DataErr, "订单状态不允许评价")
		}
		o.Set(FieldStatus, Complete)
		o.Set(FieldComment, comment)
		return tx.Save(o) // the order rules raise the house's order_count, in this transaction
	})
}

// change loads an order and its house in a transaction and applies f, so
// concurrent changes of one order are decided one after the other.
func (m *module) change(e *core.RequestEvent, orderId int64, f func(tx core.App, o, h *core.Record) error) error {
	err := e.App.RunInTransaction(func(tx core.App) error {
		o, err := tx.FindRecordById(Collection, intid.String(orderId))
		if errors.Is(err, sql.ErrNoRows) {
			return errno.New(errno.NoData, "订单不存在")
		} else if err != nil {
			return err
		}
		h, err := tx.FindRecordById(house.Collection, o.GetString(FieldHouse))
		if err != nil {
			return err
		}
		return f(tx, o, h)
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, nil)
}
