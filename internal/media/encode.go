package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strconv"

	"github.com/disintegration/imaging"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// orient applies an EXIF orientation (1–8) so that the stored pixels are
// upright: the re-encode carries no EXIF to tell a browser to turn them.
func orient(img image.Image, orientation int) image.Image {
	switch orientation {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // counter-clockwise: a quarter turn clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// storedFormat is the format an upload is stored in: JPEG for photos
// (JPEG, and WebP without transparency), PNG for the rest (PNG, GIF's
// first frame, WebP with transparency), so that neither quality nor
// transparency is lost and the stored size stays near the upload's.
func storedFormat(img image.Image, format string) string {
	switch format {
	case "jpeg":
		return "jpeg"
	case "webp":
		if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
			return "jpeg"
		}
	}
	return "png"
}

// encode writes img as a JPEG or PNG with no metadata (Go's encoders write
// none) and returns the file's extension.
func (in *Intake) encode(img image.Image, format string) ([]byte, string, error) {
	var buf bytes.Buffer
	if format == "jpeg" {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: in.cfg.Quality}); err != nil {
			return nil, "", fmt.Errorf("media: encode JPEG: %w", err)
		}
		return buf.Bytes(), ".jpg", nil
	}
	if err := png.Encode(&buf, img); err != nil {
		return nil, "", fmt.Errorf("media: encode PNG: %w", err)
	}
	return buf.Bytes(), ".png", nil
}

// thumbSize is a parsed PocketBase thumbnail size.
type thumbSize struct {
	spec          string // as asked: "640x400", "100x0", "300x200f"…
	width, height int
	mode          string // "", "t", "b" or "f"
}

// parseSizes parses PocketBase thumbnail sizes; a size PocketBase would
// not accept is a programming error (a field's Thumbs are validated).
func parseSizes(specs []string) ([]thumbSize, error) {
	out := make([]thumbSize, 0, len(specs))
	seen := map[string]bool{}
	for _, spec := range specs {
		m := filesystem.ThumbSizeRegex.FindStringSubmatch(spec)
		if m == nil {
			return nil, fmt.Errorf("media: thumbnail size %q", spec)
		}
		w, _ := strconv.Atoi(m[1])
		h, _ := strconv.Atoi(m[2])
		if w == 0 && h == 0 {
			return nil, fmt.Errorf("media: thumbnail size %q", spec)
		}
		if !seen[spec] {
			seen[spec] = true
			out = append(out, thumbSize{spec: spec, width: w, height: h, mode: m[3]})
		}
	}
	return out, nil
}

// make draws the thumbnail of img as PocketBase's CreateThumb does, so
// that a stored thumbnail is the one PocketBase would have made on demand.
func (s thumbSize) make(img image.Image) image.Image {
	if s.width == 0 || s.height == 0 {
		return imaging.Resize(img, s.width, s.height, imaging.Linear)
	}
	switch s.mode {
	case "f":
		return imaging.Fit(img, s.width, s.height, imaging.Linear)
	case "t":
		return imaging.Fill(img, s.width, s.height, imaging.Top, imaging.Linear)
	case "b":
		return imaging.Fill(img, s.width, s.height, imaging.Bottom, imaging.Linear)
	default:
		return imaging.Fill(img, s.width, s.height, imaging.Center, imaging.Linear)
	}
}
