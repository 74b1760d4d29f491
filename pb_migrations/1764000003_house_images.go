package migrations

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(addHouseImages, dropHouseImages)
}

// House pictures move from the houses.images file field to a collection of
// their own, house_images (one record a picture), so that a picture's file
// can be stored before the small record naming it is inserted, and never
// inside the write transaction (DESIGN.md §6). houses.index_image holds the
// URL of the first picture for the lists.
//
// Existing pictures are copied, with the thumbnails PocketBase made of
// them, into their new records' storage, in their order; then the old field
// is dropped. The old files stay in the houses' storage, unreferenced: a
// migration runs in a transaction that files are not part of, so deleting
// them here could lose pictures if the commit failed. They are not
// re-encoded either (the upload rules apply to new pictures).

var houseImageThumbs = []string{"320x200", "640x400"}

func addHouseImages(app core.App) error {
	houses, err := app.FindCollectionByNameOrId("houses")
	if err != nil {
		return err
	}
	images := core.NewBaseCollection("house_images")
	lockRules(images)
	images.Fields.Add(
		&core.RelationField{Name: "house", Required: true, MaxSelect: 1, CollectionId: houses.Id, CascadeDelete: true},
		&core.FileField{Name: "image", Required: true, MaxSelect: 1, MaxSize: imageMaxSize, MimeTypes: imageMimeTypes,
			Thumbs: houseImageThumbs, Help: "stored re-encoded by the upload, with its thumbnails"},
		&core.NumberField{Name: "position", OnlyInt: true, Min: types.Pointer(0.0), Help: "0, 1, 2… in upload order; 0 is the index picture"},
	)
	addTimestamps(images)
	images.AddIndex("idx_house_images_house_position", false, "house, position", "")
	if err := app.Save(images); err != nil {
		return err
	}
	houses.Fields.Add(&core.TextField{Name: "index_image", Max: 512,
		Help: "URL of the first picture (house_images); empty when none"})
	if err := app.Save(houses); err != nil {
		return err
	}

	var rows []struct {
		Id     string `db:"id"`
		Images string `db:"images"`
	}
	err = app.DB().Select("id", "images").From("houses").
		Where(dbx.NewExp("json_valid(images) AND json_array_length(images) > 0")).
		OrderBy("id").All(&rows)
	if err != nil {
		return err
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	now := types.NowDateTime().String()
	for _, r := range rows {
		var names []string
		if err := json.Unmarshal([]byte(r.Images), &names); err != nil {
			return err
		}
		index := ""
		for pos, name := range names {
			id := core.GenerateDefaultRandomId()
			from, to := houses.BaseFilesPath()+"/"+r.Id, images.BaseFilesPath()+"/"+id
			if err := copyFile(fsys, from, to, name); err != nil {
				return err
			}
			_, err := app.DB().Insert("house_images", dbx.Params{
				"id": id, "house": r.Id, "image": name, "position": pos, "created": now, "updated": now,
			}).Execute()
			if err != nil {
				return err
			}
			if index == "" {
				index = "/api/files/house_images/" + id + "/" + url.PathEscape(name)
			}
		}
		if _, err := app.DB().Update("houses", dbx.Params{"index_image": index}, dbx.HashExp{"id": r.Id}).Execute(); err != nil {
			return err
		}
	}

	houses.Fields.RemoveByName("images")
	return app.Save(houses)
}

// copyFile copies the file name and its thumbnails from one record's
// storage to another's.
func copyFile(fsys *filesystem.System, from, to, name string) error {
	if err := fsys.Copy(from+"/"+name, to+"/"+name); err != nil {
		if errors.Is(err, filesystem.ErrNotFound) {
			return nil // named but never stored: nothing to keep
		}
		return err
	}
	thumbs, err := fsys.List(from + "/thumbs_" + name + "/")
	if err != nil {
		return err
	}
	for _, t := range thumbs {
		if strings.HasSuffix(t.Key, ".attrs") {
			continue // the local store's metadata: Copy writes its own
		}
		if err := fsys.Copy(t.Key, to+strings.TrimPrefix(t.Key, from)); err != nil {
			return err
		}
	}
	return nil
}

func dropHouseImages(app core.App) error {
	houses, err := app.FindCollectionByNameOrId("houses")
	if err != nil {
		return err
	}
	images, err := app.FindCollectionByNameOrId("house_images")
	if err != nil {
		return err
	}
	houses.Fields.Add(&core.FileField{Name: "images", MaxSelect: maxHouseImgs, MaxSize: imageMaxSize, MimeTypes: imageMimeTypes,
		Thumbs: houseImageThumbs, Help: "the first picture is the index picture"})
	if err := app.Save(houses); err != nil {
		return err
	}

	var rows []struct {
		Id    string `db:"id"`
		House string `db:"house"`
		Image string `db:"image"`
	}
	err = app.DB().Select("id", "house", "image").From("house_images").
		OrderBy("house", "position", "created", "id").All(&rows)
	if err != nil {
		return err
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	byHouse := map[string][]string{}
	var order []string
	for _, r := range rows {
		if err := copyFile(fsys, images.BaseFilesPath()+"/"+r.Id, houses.BaseFilesPath()+"/"+r.House, r.Image); err != nil {
			return err
		}
		if _, ok := byHouse[r.House]; !ok {
			order = append(order, r.House)
		}
		byHouse[r.House] = append(byHouse[r.House], r.Image)
	}
	for _, h := range order {
		list, _ := json.Marshal(byHouse[h])
		if _, err := app.DB().Update("houses", dbx.Params{"images": string(list)}, dbx.HashExp{"id": h}).Execute(); err != nil {
			return err
		}
	}

	if err := app.Delete(images); err != nil {
		return err
	}
	houses.Fields.RemoveByName("index_image")
	return app.Save(houses)
}
