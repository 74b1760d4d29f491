package apptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Upload posts data as the multipart file field of path (after a text
// field, which the server must skip).
func (c *Client) Upload(path, field, filename, contentType string, data []byte) *Response {
	c.t.Helper()
	body, formType := Multipart(c.t, field, filename, contentType, data)
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Send(req, formType)
}

// Multipart returns a multipart/form-data body with a text field and then
// the file field, and its content type.
func Multipart(t testing.TB, field, filename, contentType string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("note", "a text field before the file is skipped")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// TestImage is a w×h gradient.
func TestImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 200, 255})
		}
	}
	return img
}

// PNG encodes TestImage(w, h).
func PNG(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, TestImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PNGHeader is a PNG signature and an IHDR chunk declaring w×h RGBA pixels,
// and nothing else: enough for DecodeConfig.
func PNGHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // bit depth 8, RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, uint32(len(ihdr)))
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// ScanBomb is a progressive JPEG of w×h gray pixels made of scans empty
// scans: each scan is a dozen bytes (one end-of-band run over every block)
// but the decoder walks every block of the image for each, so a 1000-scan
// 4000×4000 file of about 27 KB costs seconds of CPU to decode.
func ScanBomb(w, h, scans int) []byte {
	out := []byte{0xFF, 0xD8} // SOI
	segment := func(marker byte, data []byte) {
		out = append(out, 0xFF, marker)
		out = binary.BigEndian.AppendUint16(out, uint16(len(data)+2))
		out = append(out, data...)
	}
	segment(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))                      // DQT 0
	segment(0xC2, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0}) // SOF2, one component
	table := func(class, symbol byte) []byte {                                            // one code, "0", for symbol
		return append([]byte{class << 4, 1}, append(make([]byte, 15), symbol)...)
	}
	segment(0xC4, append(table(0, 0), table(1, 0xE0)...)) // DHT: DC 0, AC 0 = EOB run of 2^14 + 14 bits

	// the entropy-coded data of one AC scan: runs of 32767 blocks
	var data []byte
	var acc uint32
	var n uint
	put := func(v uint32, bits uint) {
		acc, n = acc<<bits|v, n+bits
		for n >= 8 {
			b := byte(acc >> (n - 8))
			if data = append(data, b); b == 0xFF {
				data = append(data, 0) // byte stuffing
			}
			n -= 8
		}
	}
	for left := ((w + 7) / 8) * ((h + 7) / 8); left > 0; left -= 32767 {
		put(0, 1)
		put(1<<14-1, 14)
	}
	if n > 0 {
		put(1<<(8-n)-1, 8-n) // pad with ones
	}
	for range scans {
		segment(0xDA, []byte{1, 1, 0x00, 1, 63, 0x00}) // SOS: component 1, band 1–63, first pass
		out = append(out, data...)
	}
	return append(out, 0xFF, 0xD9) // EOI
}

// GPSNote is the text EXIFJPEG writes as the image description, next to
// its GPS IFD: a stored file must contain neither.
const GPSNote = "GPS 39.9042N 116.4074E"

// EXIFJPEG encodes TestImage(w, h) as a JPEG with an EXIF APP1 segment, as
// a phone writes it: orientation (1–8), a description (GPSNote) and a GPS
// IFD (GPSLatitudeRef "N").
func EXIFJPEG(t testing.TB, w, h int, orientation uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, TestImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	entry := func(out []byte, tag, typ uint16, count, value uint32) []byte {
		out = be.AppendUint16(out, tag)
		out = be.AppendUint16(out, typ)
		out = be.AppendUint32(out, count)
		return be.AppendUint32(out, value)
	}
	const ifd0 = 8
	note := append([]byte(GPSNote), 0)
	noteAt := uint32(ifd0 + 2 + 3*12 + 4)
	gpsAt := noteAt + uint32(len(note))
	tiff := []byte("MM\x00*")
	tiff = be.AppendUint32(tiff, ifd0)
	tiff = be.AppendUint16(tiff, 3)
	tiff = entry(tiff, 0x010E, 2, uint32(len(note)), noteAt)  // ImageDescription
	tiff = entry(tiff, 0x0112, 3, 1, uint32(orientation)<<16) // Orientation (a SHORT, left-justified)
	tiff = entry(tiff, 0x8825, 4, 1, gpsAt)                   // GPSInfo IFD
	tiff = be.AppendUint32(tiff, 0)                           // no IFD1
	tiff = append(tiff, note...)
	tiff = be.AppendUint16(tiff, 1)
	tiff = entry(tiff, 0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef
	tiff = be.AppendUint32(tiff, 0)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1}, be.AppendUint16(nil, uint16(len(app1)+2))...)
	seg = append(seg, app1...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

// Stored returns every file under the app's storage (thumbnails too), by
// path relative to it, with its content; the local store's .attrs
// sidecars are left out.
func (a *App) Stored(t testing.TB) map[string][]byte {
	t.Helper()
	root := filepath.Join(a.DataDir(), "storage")
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".attrs") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}
