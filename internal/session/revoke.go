package session

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// RevokeOnPasswordHookId identifies the users hook bound by RevokeOnPasswordChange.
const RevokeOnPasswordHookId = "ihomeSessionRevokeOnPassword"

// passwordHash reads the stored bcrypt hash of an auth record.
const passwordHash = core.FieldNamePassword + ":hash"

// RevokeOnPasswordChange makes every change of a user's password end all of
// that user's sessions (API.md §1.7), whoever makes it: the user through a
// route, staff in the admin UI or API, or code. The sessions are deleted in
// the transaction that saves the password, so the two happen together or
// not at all.
func RevokeOnPasswordChange(app core.App) {
	app.OnRecordUpdate(userCollect).Bind(&hook.Handler[*core.RecordEvent]{
		Id: RevokeOnPasswordHookId,
		Func: func(e *core.RecordEvent) error {
			// the hash is made when the password is set, so a change shows
			// before the save (PocketBase's own hooks on password changes
			// compare the same two values)
			hash := e.Record.GetString(passwordHash)
			if e.Record.Original().GetString(passwordHash) == hash {
				return e.Next()
			}
			outer := e.App
			defer func() { e.App = outer }()
			return outer.RunInTransaction(func(tx core.App) error {
				e.App = tx
				// a record made with NewRecord and saved has no original:
				// the stored hash tells whether the password changed
				stored, err := tx.FindRecordById(userCollect, e.Record.Id)
				changed := err != nil || stored.GetString(passwordHash) != hash
				if err := e.Next(); err != nil || !changed {
					return err
				}
				return deleteAll(tx, e.Record.Id)
			})
		},
	})
}

// deleteAll deletes every session of user.
func deleteAll(app core.App, user string) error {
	if _, err := app.DB().Delete(Collection, dbx.HashExp{FieldUser: user}).Execute(); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}
