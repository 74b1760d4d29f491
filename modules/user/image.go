package user

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // the decoders DecodeConfig may pick
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/router"
	_ "golang.org/x/image/webp"

	"ihome/internal/errno"
)

// Limits on decoded image size: a small compressed file can declare a huge
// canvas, and decoding it (here, and for every thumbnail) would take
// gigabytes. 64 MiB holds a 16-megapixel photo.
const (
	maxImageSide    = 10000
	maxDecodedBytes = 64 << 20
)

// imageFormat maps a sniffed content type to the image package's format
// name and the extension the stored file gets; "" for other types.
func imageFormat(contentType string) (format, ext string) {
	switch contentType {
	case "image/jpeg":
		return "jpeg", ".jpg"
	case "image/png":
		return "png", ".png"
	case "image/gif":
		return "gif", ".gif"
	case "image/webp":
		return "webp", ".webp"
	}
	return "", ""
}

// Images checks uploaded pictures. Checking one decodes it, which may take
// up to maxDecodedBytes: Images lets only a few uploads decode at once, so
// many parallel uploads queue instead of growing the process.
type Images struct {
	decoding chan struct{}
}

// NewImages returns an Images that decodes at most n uploads at once.
func NewImages(n int) *Images {
	return &Images{decoding: make(chan struct{}, max(1, n))}
}

// Upload reads the multipart file field of the request, at most max bytes,
// and accepts it only when its content is a JPEG, PNG, GIF or WebP of sane
// dimensions that decodes whole; otherwise 4103 naming the field (413 when
// the body is over the route's limit). The stored name is the field name
// with the detected extension: the client's file name is never used.
func (im *Images) Upload(e *core.RequestEvent, field string, max int64) (*filesystem.File, error) {
	data, err := readUpload(e, field, max)
	if err != nil {
		return nil, err
	}
	select {
	case im.decoding <- struct{}{}:
	case <-e.Request.Context().Done():
		return nil, e.Request.Context().Err()
	}
	ext, ok := sniffImage(data)
	<-im.decoding
	if !ok {
		return nil, errno.Param(field)
	}
	file, err := filesystem.NewFileFromBytes(data, field+ext)
	if err != nil {
		return nil, errno.Param(field)
	}
	return file, nil
}

// readUpload streams the multipart body to the file field and returns at
// most max bytes of it; other fields are skipped. An error of the body
// reader (the body limit's 413) is returned as is; anything else is 4103
// naming the field.
func readUpload(e *core.RequestEvent, field string, max int64) ([]byte, error) {
	mr, err := e.Request.MultipartReader()
	if err != nil {
		return nil, errno.Param(field)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, bodyErr(err, field)
		}
		if part.FormName() != field || part.FileName() == "" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return nil, bodyErr(err, field)
		}
		if int64(len(data)) > max {
			// Read on, so a body over the route's limit gets its 413 however
			// it was sent (the limit makes this read short).
			if _, err := io.Copy(io.Discard, e.Request.Body); err != nil {
				return nil, bodyErr(err, field)
			}
			return nil, errno.Param(field)
		}
		if len(data) == 0 {
			return nil, errno.Param(field)
		}
		return data, nil
	}
}

func bodyErr(err error, field string) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return err
	}
	return errno.Param(field)
}

// sniffImage recognises a JPEG, PNG, GIF or WebP by its content, checks
// from the header that decoding it stays within maxDecodedBytes, and then
// decodes it whole: a truncated or corrupt file is refused here, instead of
// failing (and being decoded again) on every thumbnail request. It returns
// the extension for the stored file.
func sniffImage(data []byte) (ext string, ok bool) {
	want, ext := imageFormat(http.DetectContentType(data))
	if want == "" {
		return "", false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != want {
		return "", false
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w <= 0 || h <= 0 || w > maxImageSide || h > maxImageSide || w*h*bytesPerPixel(cfg.ColorModel) > maxDecodedBytes {
		return "", false
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", false
	}
	return ext, true
}

// bytesPerPixel is what a decoded pixel of model takes in memory (and a
// thumbnail's work copy takes 4): the larger of the two.
func bytesPerPixel(model color.Model) int64 {
	switch model {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	default:
		return 4
	}
}
