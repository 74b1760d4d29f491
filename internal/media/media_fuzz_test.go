package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/internal/media"
)

// FuzzProcess feeds Process arbitrary bytes: it refuses them (ErrRefused,
// never another error: the client gets 4103, not a fault) or stores a
// picture that decodes to the dimensions it reports, as the format its
// extension names, with every thumbnail asked for.
func FuzzProcess(f *testing.F) {
	var g bytes.Buffer
	_ = gif.Encode(&g, apptest.TestImage(9, 7), nil)
	png := apptest.PNG(f, 12, 9)
	exif := apptest.EXIFJPEG(f, 16, 8, 6)
	for _, seed := range [][]byte{
		png, exif, g.Bytes(), apptest.ScanBomb(24, 16, 3), apptest.ScanBomb(24, 16, 100),
		png[:len(png)/2], exif[:len(exif)-20], append(png, "trailing"...), apptest.PNGHeader(5, 5),
		{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9}, {0xFF, 0xD8, 0xFF, 0xFF, 0xFF},
		[]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"),
	} {
		f.Add(seed)
	}
	in := media.New(media.Config{MaxSide: 2000, MaxDecodedBytes: 4 << 20, DecodeTimeout: 5 * time.Second})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := in.Process(context.Background(), data, []string{"10x10", "0x4"})
		if err != nil {
			if !errors.Is(err, media.ErrRefused) {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		got, format, err := image.Decode(bytes.NewReader(img.Data))
		if err != nil {
			t.Fatalf("the stored file does not decode: %v", err)
		}
		if want := map[string]string{".jpg": "jpeg", ".png": "png"}[img.Ext]; format != want {
			t.Fatalf("stored %s as %s", format, img.Ext)
		}
		if got.Bounds().Dx() != img.Width || got.Bounds().Dy() != img.Height {
			t.Fatalf("stored %v, reported %d×%d", got.Bounds(), img.Width, img.Height)
		}
		if len(img.Thumbs) != 2 {
			t.Fatalf("%d thumbnails", len(img.Thumbs))
		}
	})
}
