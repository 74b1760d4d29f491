package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/webp"
)

// check reads the headers of data: the format sniffed from its content
// (the client's name and type are never trusted), dimensions and decoded
// size within the limits, and for a JPEG its scan count and EXIF
// orientation (0 when none).
func (in *Intake) check(data []byte) (format string, orientation int, err error) {
	format = sniff(data)
	if format == "" {
		return "", 0, refuse("content type %s", http.DetectContentType(data))
	}
	cfg, err := decodeConfig(bytes.NewReader(data), format)
	if err != nil {
		return "", 0, refuse("%s header: %v", format, err)
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	side := int64(in.cfg.MaxSide)
	if w <= 0 || h <= 0 || w > side || h > side || w*h*bytesPerPixel(cfg.ColorModel) > in.cfg.MaxDecodedBytes {
		return "", 0, refuse("%d×%d pixels", w, h)
	}
	if format == "jpeg" {
		scans, o, err := walkJPEG(data, in.cfg.MaxScans)
		if err != nil {
			return "", 0, err
		}
		if scans > in.cfg.MaxScans {
			return "", 0, refuse("more than %d JPEG scans", in.cfg.MaxScans)
		}
		orientation = o
	}
	return format, orientation, nil
}

// sniff names the format of data by its content, "" when it is none of
// JPEG, PNG, GIF, WebP.
func sniff(data []byte) string {
	switch http.DetectContentType(data) {
	case "image/jpeg":
		return "jpeg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	}
	return ""
}

func decodeConfig(r io.Reader, format string) (image.Config, error) {
	switch format {
	case "jpeg":
		return jpeg.DecodeConfig(r)
	case "png":
		return png.DecodeConfig(r)
	case "gif":
		return gif.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

// decodeFormat decodes an image of a sniffed format (a GIF's first frame).
func decodeFormat(r io.Reader, format string) (image.Image, error) {
	switch format {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	case "gif":
		return gif.Decode(r)
	default:
		return webp.Decode(r)
	}
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

// JPEG markers walkJPEG needs (ITU T.81 table B.1).
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1
	markerTEM  = 0x01
	markerRST0 = 0xD0
	markerRST7 = 0xD7
)

// walkJPEG walks the segments of a JPEG without decoding it: it counts the
// scans (SOS segments), stopping once past maxScans, and reads the EXIF
// orientation (1–8; 0 when absent). A structure it cannot walk is refused:
// the decoder would fail on it too.
func walkJPEG(data []byte, maxScans int) (scans, orientation int, err error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return 0, 0, refuse("no JPEG SOI")
	}
	i := 2
	for i < len(data) {
		if data[i] != 0xFF {
			return 0, 0, refuse("JPEG: no marker at byte %d", i)
		}
		for i < len(data) && data[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(data) {
			break
		}
		m := data[i]
		i++
		switch {
		case m == markerEOI:
			return scans, orientation, nil
		case m == markerTEM || (m >= markerRST0 && m <= markerRST7):
			continue // no length
		}
		if i+2 > len(data) {
			return 0, 0, refuse("JPEG: truncated segment")
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return 0, 0, refuse("JPEG: bad segment length")
		}
		seg := data[i+2 : i+n]
		i += n
		switch m {
		case markerAPP1:
			if orientation == 0 {
				orientation = exifOrientation(seg)
			}
		case markerSOS:
			if scans++; scans > maxScans {
				return scans, orientation, nil
			}
			// skip the entropy-coded data: up to a marker that is neither
			// a stuffed 0xFF00 nor a restart marker
			for i < len(data) {
				if data[i] == 0xFF && i+1 < len(data) {
					if next := data[i+1]; next != 0 && (next < markerRST0 || next > markerRST7) {
						break
					}
				}
				i++
			}
		}
	}
	return scans, orientation, nil // no EOI: the decoder decides
}

// exifOrientation reads tag 0x0112 (Orientation) of IFD0 from an APP1
// segment's payload; 0 when it is not EXIF or has no valid orientation.
func exifOrientation(seg []byte) int {
	if len(seg) < 14 || string(seg[:6]) != "Exif\x00\x00" {
		return 0
	}
	tiff := seg[6:]
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 0
	}
	entries := int64(bo.Uint16(tiff[ifd:]))
	for k := range entries {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if bo.Uint16(tiff[e+2:]) != typeShort || bo.Uint32(tiff[e+4:]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// readerStop reads data in small pieces and fails once stop is closed: a
// decoder reads its input as it goes, so an abandoned decode ends within
// a few scans or rows of the moment it was abandoned.
type readerStop struct {
	r    *bytes.Reader
	stop <-chan struct{}
}

// readPiece bounds one read: a progressive JPEG scan of an empty image
// takes a few dozen bytes, so a decoder reads again every few scans.
const readPiece = 256

func newReaderStop(data []byte, stop <-chan struct{}) *readerStop {
	return &readerStop{r: bytes.NewReader(data), stop: stop}
}

func (r *readerStop) Read(p []byte) (int, error) {
	select {
	case <-r.stop:
		return 0, errStopped
	default:
	}
	if len(p) > readPiece {
		p = p[:readPiece]
	}
	return r.r.Read(p)
}
