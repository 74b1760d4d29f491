package house

import (
	"database/sql"
	"errors"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/media"
	"ihome/internal/session"
	"ihome/modules/user"
)

// House pictures (API.md §3.4): one house_images record a picture, whose
// file (re-encoded, with its thumbnails) is stored before the record is
// inserted (DESIGN.md §6: no file I/O inside a transaction).
const (
	ImagesCollection   = "house_images"
	FieldImageHouse    = "house"    // relation to houses; deleting the house deletes its pictures
	FieldImageFile     = "image"    // the file (single)
	FieldImagePosition = "position" // 0, 1, 2… in upload order (gaps where staff deleted one)

	// FieldIndexImage (on houses) holds the root-relative URL of the
	// house's index picture, its first one; "" when it has none. It is
	// written in the transaction that inserts the first picture.
	FieldIndexImage = "index_image"

	// DefaultMaxImages is how many pictures a house may have (API.md §3.4).
	DefaultMaxImages = 20

	// imageField is the form field of POST /houses/{id}/images and the
	// prefix of the stored names.
	imageField = "house_image"
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
	// a full house is refused before the decode; the insert checks again
	if n, err := countImages(e.App, h.Id); err != nil {
		return err
	} else if n >= m.cfg.MaxImages {
		return errFull()
	}
	sizes, err := media.ThumbSizes(e.App, ImagesCollection, FieldImageFile)
	if err != nil {
		return err
	}
	img, err := m.cfg.Images.Upload(e, imageField, m.cfg.ImageMaxSize, sizes)
	if err != nil {
		return err
	}
	url, err := AddImage(e.App, h.Id, img, m.cfg.MaxImages)
	if err != nil {
		return err
	}
	return envelope.OK(e, map[string]string{"url": url})
}

func errFull() error { return errno.New(errno.DataErr, "图片数量已达上限") }

// AddImage stores img as the next picture of house houseId and returns its
// URL. The files are written first; then one short transaction counts the
// house's pictures (at most max: else 4004), inserts the house_images
// record and, for the first picture, sets the house's index picture. When
// that fails the files are removed. The caller checked the owner.
func AddImage(app core.App, houseId string, img *media.Image, max int) (string, error) {
	col, err := app.FindCachedCollectionByNameOrId(ImagesCollection)
	if err != nil {
		return "", err
	}
	rec := core.NewRecord(col)
	rec.Id = core.GenerateDefaultRandomId()
	dir, name := rec.BaseFilesPath(), img.NewName(imageField)
	if err := img.Store(app, dir, name); err != nil {
		return "", errno.Wrap(errno.IOErr, err)
	}
	url := user.FileURL(ImagesCollection, rec.Id, name)

	// Re-read and save the house in the transaction: a save writes every
	// column, and a house read before would undo a concurrent change.
	err = app.RunInTransaction(func(tx core.App) error {
		h, err := tx.FindRecordById(Collection, houseId)
		if errors.Is(err, sql.ErrNoRows) {
			return errno.New(errno.NoData, "房屋不存在")
		} else if err != nil {
			return err
		}
		n, err := countImages(tx, houseId)
		if err != nil {
			return err
		}
		if n >= max {
			return errFull()
		}
		// after the last one: staff may have deleted some in between
		var next int
		err = tx.DB().Select("COALESCE(MAX(" + FieldImagePosition + ") + 1, 0)").From(ImagesCollection).
			Where(dbx.HashExp{FieldImageHouse: houseId}).Row(&next)
		if err != nil {
			return err
		}
		rec.Set(FieldImageHouse, houseId)
		rec.Set(FieldImageFile, name)
		rec.Set(FieldImagePosition, next)
		// the file field accepts a new file only as an upload to write
		// during the save: the values set here were all checked above
		if err := tx.SaveNoValidate(rec); err != nil {
			return err
		}
		if h.GetString(FieldIndexImage) != "" {
			return nil
		}
		h.Set(FieldIndexImage, url)
		return tx.Save(h)
	})
	if err != nil {
		if rmErr := media.Remove(app, dir, name); rmErr != nil {
			app.Logger().Warn("house picture: remove the files of a failed insert", "file", dir+"/"+name, "error", rmErr)
		}
		return "", err
	}
	return url, nil
}

func countImages(app core.App, houseId string) (int, error) {
	var n int
	err := app.DB().Select("count(*)").From(ImagesCollection).
		Where(dbx.HashExp{FieldImageHouse: houseId}).Row(&n)
	return n, err
}

// ImageURLs returns the root-relative URLs of house houseId's pictures, in
// upload order; an empty list (never nil) when it has none.
func ImageURLs(app core.App, houseId string) ([]string, error) {
	var rows []struct {
		Id    string `db:"id"`
		Image string `db:"image"`
	}
	err := app.DB().Select("id", FieldImageFile+" AS image").From(ImagesCollection).
		Where(dbx.HashExp{FieldImageHouse: houseId}).
		OrderBy(FieldImagePosition, "created", "id").All(&rows)
	if err != nil {
		return nil, err
	}
	urls := make([]string, len(rows))
	for i, r := range rows {
		urls[i] = user.FileURL(ImagesCollection, r.Id, r.Image)
	}
	return urls, nil
}

// bindImageHooks keeps a house's index picture pointing at a picture it
// has, whoever changes its pictures: when staff delete the index picture
// in the admin UI, the next one (or none) takes its place; a first picture
// added there becomes the index picture. (AddImage sets it in its own
// transaction; for it the hook finds nothing to do.)
func bindImageHooks(app core.App) {
	repair := &hook.Handler[*core.RecordEvent]{
		Id: "ihome.house.images.index",
		Func: func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			houseId := e.Record.GetString(FieldImageHouse)
			if err := repairIndex(e.App, houseId); err != nil {
				e.App.Logger().Warn("house picture: repair the index picture", "house", houseId, "error", err)
			}
			return nil
		},
	}
	app.OnRecordAfterCreateSuccess(ImagesCollection).Bind(repair)
	app.OnRecordAfterDeleteSuccess(ImagesCollection).Bind(repair)
}

// repairIndex points house houseId's index picture at its first picture
// unless it points at one of its pictures already.
func repairIndex(app core.App, houseId string) error {
	return app.RunInTransaction(func(tx core.App) error {
		h, err := tx.FindRecordById(Collection, houseId)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // deleted with its pictures
		} else if err != nil {
			return err
		}
		urls, err := ImageURLs(tx, houseId)
		if err != nil {
			return err
		}
		index := h.GetString(FieldIndexImage)
		if index != "" && slices.Contains(urls, index) {
			return nil
		}
		next := ""
		if len(urls) > 0 {
			next = urls[0]
		}
		if next == index {
			return nil
		}
		h.Set(FieldIndexImage, next)
		return tx.Save(h)
	})
}
