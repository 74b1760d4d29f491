package order

import (
	"database/sql"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/modules/house"
)

// PUT /orders: the landlord accepts or rejects, or the guest cancels, an
// order that is still waiting.
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
		reason, err = body.String("reason")
		if err != nil || !validText(reason, 200) {
			return errno.Param("reason")
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
		if o.GetString(FieldStatus) != WaitAccept {
			return errno.New(errno.DataErr, "订单状态不允许此操作")
		}
		switch action {
		case "accept":
			o.Set(FieldStatus, WaitComment)
		case "reject":
			o.Set(FieldStatus, Rejected)
			o.Set(FieldComment, reason)
		case "cancel":
			o.Set(FieldStatus, Canceled)
		}
		return tx.Save(o)
	})
}

// PUT /orders/comment: the guest reviews a stay; the house's booking count
// rises in the same transaction.
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
	comment, err := body.String("comment")
	if err != nil || !validText(comment, 500) {
		return errno.Param("comment")
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
		if err := tx.Save(o); err != nil {
			return err
		}
		h.Set(house.FieldOrderCount, h.GetInt(house.FieldOrderCount)+1)
		return tx.Save(h)
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
		return errno.From(err, errno.DBErr)
	}
	return envelope.OK(e, nil)
}

// validText: at most max characters, no control characters but newlines.
func validText(s string, max int) bool {
	return utf8.RuneCountInString(s) <= max && strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}) < 0
}
