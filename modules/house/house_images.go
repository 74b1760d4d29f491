package house

import (
	"hash/fnv"

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
	file, err := user.UploadedImage(e, "house_image", m.cfg.ImageMaxSize)
	if err != nil {
		return err
	}

	lock := &m.imageLocks[stripe(h.Id, len(m.imageLocks))]
	lock.Lock()
	defer lock.Unlock()
	// reload under the lock: another upload may have just saved
	h, err = e.App.FindRecordById(Collection, h.Id)
	if err != nil {
		return errno.Wrap(errno.DBErr, err)
	}
	if len(h.GetStringSlice(FieldImages)) >= m.cfg.MaxImages {
		return errno.New(errno.DataErr, "图片数量已达上限")
	}
	h.Set(FieldImages+"+", file)
	if err := e.App.Save(h); err != nil {
		return errno.From(err, errno.IOErr)
	}
	names := h.GetStringSlice(FieldImages)
	return envelope.OK(e, map[string]string{"url": user.FileURL(Collection, h.Id, names[len(names)-1])})
}

func stripe(id string, n int) int {
	f := fnv.New32a()
	f.Write([]byte(id))
	return int(f.Sum32() % uint32(n))
}
