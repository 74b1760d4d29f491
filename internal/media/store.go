package media

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// defaultThumb is the size PocketBase's file route accepts for any file
// field, besides the field's own Thumbs (apis/file.go).
const defaultThumb = "100x100"

// ThumbSizes is every thumbnail size PocketBase's file route serves for
// the file field of collection: the field's Thumbs and the route's
// default 100x100. Upload makes all of them, so a page's ?thumb= finds its
// file made.
func ThumbSizes(app core.App, collection, field string) ([]string, error) {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	f, ok := c.Fields.GetByName(field).(*core.FileField)
	if !ok {
		return nil, errors.New("media: " + collection + "." + field + " is not a file field")
	}
	sizes := slices.Clone(f.Thumbs)
	if !slices.Contains(sizes, defaultThumb) {
		sizes = append(sizes, defaultThumb)
	}
	return sizes, nil
}

// ThumbKey is where PocketBase's file route looks for the thumbnail size
// of the file name stored in dir (a record's BaseFilesPath).
func ThumbKey(dir, name, size string) string {
	return dir + "/thumbs_" + name + "/" + size + "_" + name
}

// Store writes img as name in dir (a record's BaseFilesPath), and its
// thumbnails where PocketBase's file route looks for them. Call it before
// the record that names the file is saved, outside any transaction
// (DESIGN.md §6); on failure it removes what it wrote.
func (img *Image) Store(app core.App, dir, name string) (err error) {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	defer func() {
		if err != nil {
			err = errors.Join(err, remove(fsys, dir, name))
		}
	}()
	// thumbnails first: once the original is there, a request finds them
	for size, data := range img.Thumbs {
		if err := fsys.Upload(data, ThumbKey(dir, name, size)); err != nil {
			return err
		}
	}
	return fsys.Upload(img.Data, dir+"/"+name)
}

// Remove deletes the file name in dir and its thumbnails; a file already
// gone is no error.
func Remove(app core.App, dir, name string) error {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	return remove(fsys, dir, name)
}

func remove(fsys *filesystem.System, dir, name string) error {
	err := fsys.Delete(dir + "/" + name)
	if errors.Is(err, filesystem.ErrNotFound) {
		err = nil
	}
	return errors.Join(append([]error{err}, fsys.DeletePrefix(dir+"/thumbs_"+name+"/")...)...)
}

// ThumbGuardId identifies the router middleware BindThumbGuard binds.
const ThumbGuardId = "ihomeMediaThumbGuard"

// BindThumbGuard keeps PocketBase's file route (GET /api/files/...) from
// decoding on a request (API.md §1.7): asked for a ?thumb= that is not
// stored (a file from before thumbnails were made at upload, one added in
// the admin UI, a size made since), the route would decode the original
// to make it, for anyone, at any size the original has. The guard drops
// the thumb parameter then, and the route serves the original as is.
func BindThumbGuard(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.media.thumbGuard",
		Func: func(e *core.ServeEvent) error {
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: ThumbGuardId, Func: guardThumb})
			return e.Next()
		},
	})
}

func guardThumb(e *core.RequestEvent) error {
	r := e.Request
	if r.Method != http.MethodGet && r.Method != http.MethodHead || !strings.HasPrefix(r.URL.Path, "/api/files/") {
		return e.Next()
	}
	q := r.URL.Query()
	size := q.Get("thumb")
	if size == "" {
		return e.Next()
	}
	if !thumbStored(e.App, strings.Split(strings.TrimPrefix(r.URL.Path, "/api/files/"), "/"), size) {
		q.Del("thumb")
		r.URL.RawQuery = q.Encode()
	}
	return e.Next()
}

// thumbStored reports whether the thumbnail size of the file that path
// ({collection}/{recordId}/{filename}) names is in storage.
func thumbStored(app core.App, path []string, size string) bool {
	if len(path) != 3 || path[1] == "" || path[2] == "" {
		return true // not a file the route serves: leave it to the route
	}
	c, err := app.FindCachedCollectionByNameOrId(path[0])
	if err != nil {
		return true
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return false
	}
	defer fsys.Close()
	ok, err := fsys.Exists(ThumbKey(c.BaseFilesPath()+"/"+path[1], path[2], size))
	return err == nil && ok
}
