package user

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/session"
)

// avatarData is the data of POST /user/avatar.
type avatarData struct {
	AvatarURL string `json:"avatar_url"`
}

// POST /user/avatar: store a new avatar; PocketBase deletes the old file
// once the record is saved.
func (m *module) uploadAvatar(e *core.RequestEvent) error {
	file, err := m.cfg.Images.Upload(e, "avatar", m.cfg.AvatarMaxSize)
	if err != nil {
		return err
	}
	u, err := updateUser(e.App, session.User(e).Id, func(u *core.Record) error {
		u.Set(FieldAvatar, file)
		return nil
	})
	if err != nil {
		return errno.From(err, errno.IOErr)
	}
	return envelope.OK(e, avatarData{AvatarURL: AvatarURL(u)})
}

// updateUser re-reads user id in a transaction, applies change and saves
// it. A save writes every column: saving the record the session loaded
// before a slow body arrived would undo a concurrent change of another
// field (a real-name verification, say).
func updateUser(app core.App, id string, change func(*core.Record) error) (*core.Record, error) {
	var u *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		if u, err = tx.FindRecordById(Collection, id); err != nil {
			return err
		}
		if err := change(u); err != nil {
			return err
		}
		return tx.Save(u)
	})
	return u, err
}
