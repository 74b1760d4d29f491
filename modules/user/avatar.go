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
	file, err := UploadedImage(e, "avatar", m.cfg.AvatarMaxSize)
	if err != nil {
		return err
	}
	u := session.User(e)
	u.Set(FieldAvatar, file)
	if err := e.App.Save(u); err != nil {
		return errno.Wrap(errno.IOErr, err)
	}
	return envelope.OK(e, avatarData{AvatarURL: AvatarURL(u)})
}
