package user

import (
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/session"
	"ihome/internal/text"
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

// bindTextRule makes every write of a user's name or real name obey the
// one text rule of API.md §1.7, whoever writes it (the API, or staff in the
// admin UI): a changed value is stored normalised (NFC, trimmed), so the
// unique index on users.name sees look-alikes as the same name, and a
// value the rule refuses is a validation error on that field. An empty
// value is left alone (staff may clear a name or a verification), and so
// is a value that did not change: a user whose name predates the rule can
// still upload an avatar.
func bindTextRule(app core.App) {
	app.OnRecordValidate(Collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "ihome.user.textRule",
		Func: func(e *core.RecordEvent) error {
			for _, f := range []struct {
				name     string
				min, max int
			}{{FieldName, 1, maxNameLength}, {FieldRealName, minRealNameLength, maxRealNameLength}} {
				v := e.Record.GetString(f.name)
				if v == "" || (!e.Record.IsNew() && v == e.Record.Original().GetString(f.name)) {
					continue
				}
				clean, err := text.Clean(f.name, v, f.min, f.max)
				if err != nil {
					return validation.Errors{f.name: validation.NewError("validation_text_rule",
						fmt.Sprintf("%d–%d characters, without control, format (zero-width, bidi), separator or filler characters (API.md §1.7)", f.min, f.max))}
				}
				e.Record.Set(f.name, clean)
			}
			return e.Next()
		},
	})
}

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
