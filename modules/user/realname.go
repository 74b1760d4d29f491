package user

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/session"
)

// Length of real_name in characters (API.md §2.11).
const (
	minRealNameLength = 2
	maxRealNameLength = 30
)

// realNameData is the data of GET /user/auth.
type realNameData struct {
	RealName string `json:"real_name"`
	IDCard   string `json:"id_card"`
}

// GET /user/auth: the user's own real-name information.
func (m *module) realNameInfo(e *core.RequestEvent) error {
	u := session.User(e)
	if !IsVerified(u) {
		return envelope.OK(e, realNameData{})
	}
	return envelope.OK(e, realNameData{RealName: u.GetString(FieldRealName), IDCard: u.GetString(FieldIDCard)})
}

// POST /user/auth: set the real-name information, once.
func (m *module) setRealName(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	realName, err := body.Text("real_name", minRealNameLength, maxRealNameLength)
	if err != nil {
		return err
	}
	raw, err := body.String("id_card")
	if err != nil {
		return err
	}
	idCard, ok := ValidIDCard(raw, m.cfg.Now().In(m.cfg.Location))
	if !ok {
		return errno.Param("id_card")
	}

	// One transaction, so two parallel requests of the same user cannot
	// both find the user unverified (writes share one connection).
	err = e.App.RunInTransaction(func(tx core.App) error {
		u, err := tx.FindRecordById(Collection, session.User(e).Id)
		if err != nil {
			return err
		}
		if IsVerified(u) {
			return errno.New(errno.DataExist, "已完成实名认证")
		}
		used, err := tx.CountRecords(Collection, dbx.HashExp{FieldIDCard: idCard}, dbx.Not(dbx.HashExp{"id": u.Id}))
		if err != nil {
			return err
		}
		if used > 0 {
			return idCardUsed()
		}
		u.Set(FieldRealName, realName)
		u.Set(FieldIDCard, idCard)
		if err := tx.Save(u); err != nil {
			if notUnique(err, FieldIDCard) { // the unique index as the last word
				return idCardUsed()
			}
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return envelope.OK(e, nil)
}

func idCardUsed() error { return errno.New(errno.DataExist, "身份证号已被使用") }
