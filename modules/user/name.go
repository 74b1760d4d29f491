package user

import (
	"errors"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/session"
)

// POST|PUT /user/name: rename.
func (m *module) rename(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	name, err := body.Text("name", 1, maxNameLength)
	if err != nil {
		return err
	}
	u := session.User(e)
	if name == u.GetString(FieldName) {
		return envelope.OK(e, nil)
	}
	// Registration names a user after their mobile: a mobile-like name
	// would block the registration of that number's owner.
	if mobileLike(name) && name != u.GetString(FieldMobile) {
		return nameTaken()
	}
	taken, err := e.App.CountRecords(Collection, dbx.HashExp{FieldName: name}, dbx.Not(dbx.HashExp{"id": u.Id}))
	if err != nil {
		return err
	}
	if taken > 0 {
		return nameTaken()
	}
	_, err = updateUser(e.App, u.Id, func(u *core.Record) error {
		u.Set(FieldName, name)
		return nil
	})
	if notUnique(err, FieldName) { // lost a race to the unique index
		return nameTaken()
	}
	if err != nil {
		return err
	}
	return envelope.OK(e, nil)
}

func nameTaken() error { return errno.New(errno.DataExist, "用户名已存在") }

// notUnique reports whether err is PocketBase's normalized unique-index
// failure on field.
func notUnique(err error, field string) bool {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return false
	}
	var ve validation.Error
	return errors.As(verrs[field], &ve) && ve.Code() == "validation_not_unique"
}
