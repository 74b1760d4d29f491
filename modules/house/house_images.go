package house

import (
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/session"
	"ihome/modules/user"
)

// POST /houses/{house_id}/images: add a picture (the owner only). The
// first picture is the index picture.
func (m *module) addImage(e *core.RequestEvent) error {
	me := session.User(e)
	h, err := FindVisible(e.App, e.Request.PathValue("house_id"), me)
	if err != nil {
		return err
	}
	if h.GetString(FieldOwner) != me.Id {
		return errno.New(errno.RoleErr, "只有房东可以上传房屋图片")
	}
	file, err := m.cfg.Images.Upload(e, "house_image", m.cfg.ImageMaxSize)
	if err != nil {
		return err
	}

	// Re-read, count and save in one transaction: a save writes every
	// column, so a house read before a concurrent review or staff edit would
	// undo it, and two uploads could pass the limit together. The file is
	// written inside the transaction; pictures are rare writes.
	var names []string
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(Collection, h.Id)
		if err != nil {
			return err
		}
		if len(fresh.GetStringSlice(FieldImages)) >= m.cfg.MaxImages {
			return errno.New(errno.DataErr, "图片数量已达上限")
		}
		fresh.Set(FieldImages+"+", file)
		if err := tx.Save(fresh); err != nil {
			return err
		}
		names = fresh.GetStringSlice(FieldImages)
		return nil
	})
	if err != nil {
		return errno.From(err, errno.IOErr)
	}
	return envelope.OK(e, map[string]string{"url": user.FileURL(Collection, h.Id, names[len(names)-1])})
}
