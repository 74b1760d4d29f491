package user

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/media"
	"ihome/internal/session"
)

// avatarData is the data of POST /user/avatar.
type avatarData struct {
	AvatarURL string `json:"avatar_url"`
}

// POST /user/avatar (API.md §2.9): decode and re-encode the upload with
// its thumbnails (internal/media), store the files, then name the new file
// in a short transaction; PocketBase deletes the old avatar and its
// thumbnails once that commits. A failed save removes the new files.
func (m *module) uploadAvatar(e *core.RequestEvent) error {
	sizes, err := media.ThumbSizes(e.App, Collection, FieldAvatar)
	if err != nil {
		return err
	}
	img, err := m.cfg.Images.Upload(e, FieldAvatar, m.cfg.AvatarMaxSize, sizes)
	if err != nil {
		return err
	}
	me := session.User(e)
	dir, name := me.BaseFilesPath(), img.NewName(FieldAvatar)
	if err := img.Store(e.App, dir, name); err != nil {
		return errno.Wrap(errno.IOErr, err)
	}
	u, err := updateUserStored(e.App, me.Id, func(u *core.Record) error {
		u.Set(FieldAvatar, name)
		return nil
	})
	if err != nil {
		if rmErr := media.Remove(e.App, dir, name); rmErr != nil {
			e.App.Logger().Warn("avatar: remove the files of a failed save", "file", dir+"/"+name, "error", rmErr)
		}
		return err
	}
	return envelope.OK(e, avatarData{AvatarURL: AvatarURL(u)})
}

// updateUser re-reads user id in a transaction, applies change and saves
// it. A save writes every column: saving the record the session loaded
// before a slow body arrived would undo a concurrent change of another
// field (a real-name verification, say).
func updateUser(app core.App, id string, change func(*core.Record) error) (*core.Record, error) {
	return saveUser(app, id, change, true)
}

// updateUserStored is updateUser for a change that names a file already
// in storage: PocketBase's file field accepts a new file only as an upload
// to write during the save, so the record is saved without validation
// (change sets only what was checked before).
func updateUserStored(app core.App, id string, change func(*core.Record) error) (*core.Record, error) {
	return saveUser(app, id, change, false)
}

func saveUser(app core.App, id string, change func(*core.Record) error, validate bool) (*core.Record, error) {
	var u *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		if u, err = tx.FindRecordById(Collection, id); err != nil {
			return err
		}
		if err := change(u); err != nil {
			return err
		}
		if !validate {
			return tx.SaveNoValidate(u)
		}
		return tx.Save(u)
	})
	return u, err
}
