package media_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/internal/media"
)

func decode(t *testing.T, data []byte) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the stored file does not decode: %v", err)
	}
	return img, format
}

func TestProcessFormats(t *testing.T) {
	var gifBuf, jpegBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, apptest.TestImage(32, 24), nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpegBuf, apptest.TestImage(120, 80), nil); err != nil {
		t.Fatal(err)
	}
	// 1×1 lossless WebP (alpha), and 1×1 lossy WebP (opaque)
	lossless, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	lossy, _ := base64.StdEncoding.DecodeString("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
	in := media.New(media.Config{})
	for _, tc := range []struct {
		name, ext, format string
		data              []byte
		w, h              int
	}{
		{"png", ".png", "png", apptest.PNG(t, 40, 30), 40, 30},
		{"jpeg", ".jpg", "jpeg", jpegBuf.Bytes(), 120, 80},
		{"gif, first frame", ".png", "png", gifBuf.Bytes(), 32, 24},
		{"lossless webp", ".png", "png", lossless, 1, 1},
		{"lossy webp", ".jpg", "jpeg", lossy, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := in.Process(context.Background(), tc.data, []string{"20x10", "0x5", "8x0", "16x16f", "100x100"})
			if err != nil {
				t.Fatal(err)
			}
			got, format := decode(t, img.Data)
			if img.Ext != tc.ext || format != tc.format || got.Bounds().Dx() != tc.w || got.Bounds().Dy() != tc.h ||
				img.Width != tc.w || img.Height != tc.h {
				t.Fatalf("stored %s %s %v (%d×%d), want %s %s %d×%d", img.Ext, format, got.Bounds(), img.Width, img.Height, tc.ext, tc.format, tc.w, tc.h)
			}
			round := func(x float64) int { return max(1, int(math.Floor(x+0.5))) }
			for size, want := range map[string]image.Point{
				"20x10":   {20, 10},
				"0x5":     {round(5 * float64(tc.w) / float64(tc.h)), 5},
				"8x0":     {8, round(8 * float64(tc.h) / float64(tc.w))},
				"100x100": {100, 100},
			} {
				th, thFormat := decode(t, img.Thumbs[size])
				if thFormat != tc.format || th.Bounds().Size() != want {
					t.Errorf("thumb %s: %s %v, want %s %v", size, thFormat, th.Bounds().Size(), tc.format, want)
				}
			}
			// fit: inside the box, never enlarged
			if th, _ := decode(t, img.Thumbs["16x16f"]); th.Bounds().Dx() > min(16, tc.w) || th.Bounds().Dy() > min(16, tc.h) {
				t.Errorf("thumb 16x16f: %v", th.Bounds())
			}
		})
	}
}

// TestProcessDropsTrailingBytes (Hardening 2): bytes after the image
// were stored and served; the stored file is the re-encoded image alone.
func TestProcessDropsTrailingBytes(t *testing.T) {
	in := media.New(media.Config{})
	pic := apptest.PNG(t, 2, 2)
	junk := bytes.Repeat([]byte("#!/bin/sh\n"), 1000)
	img, err := in.Process(context.Background(), append(pic, junk...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Data) > len(pic)+64 || bytes.Contains(img.Data, []byte("#!/bin/sh")) {
		t.Fatalf("stored %d bytes for a %d-byte picture", len(img.Data), len(pic))
	}
	decode(t, img.Data)
}

// TestProcessAppliesOrientationDropsEXIF (Hardening 2): a phone's JPEG,
// turned by its EXIF orientation 6, with a GPS position: stored upright
// and without the EXIF.
func TestProcessAppliesOrientationDropsEXIF(t *testing.T) {
	in := media.New(media.Config{})
	src := apptest.EXIFJPEG(t, 120, 80, 6)
	if !bytes.Contains(src, []byte(apptest.GPSNote)) {
		t.Fatal("the fixture has no GPS note")
	}
	img, err := in.Process(context.Background(), src, []string{"100x0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{img.Data, img.Thumbs["100x0"]} {
		for _, leak := range []string{"Exif", "GPS", "MM\x00*"} {
			if bytes.Contains(data, []byte(leak)) {
				t.Errorf("the stored file contains %q", leak)
			}
		}
	}
	got, _ := decode(t, img.Data)
	if got.Bounds().Dx() != 80 || got.Bounds().Dy() != 120 {
		t.Fatalf("stored %v, want 80×120 (turned a quarter)", got.Bounds())
	}
	// orientation 6 is a quarter turn clockwise: the source's top-left
	// corner (dark, x=y=0) ends at the top right
	r, _, _, _ := got.At(79, 0).RGBA()
	l, _, _, _ := got.At(0, 0).RGBA()
	if r >= l {
		t.Fatalf("not turned clockwise: top-left red %d, top-right red %d", l>>8, r>>8)
	}
	th, _ := decode(t, img.Thumbs["100x0"])
	if th.Bounds().Dx() != 100 || th.Bounds().Dy() != 150 {
		t.Fatalf("thumb %v, want 100×150", th.Bounds())
	}
}

// TestProcessRefusesScanBomb (Hardening 1): 1000 empty scans over a
// 4000×4000 image, 27 KB, took 10–20 s to decode and was accepted; the
// scans are counted from the segments before any decoding.
func TestProcessRefusesScanBomb(t *testing.T) {
	in := media.New(media.Config{})
	bomb := apptest.ScanBomb(4000, 4000, 1000)
	if len(bomb) > 32<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	if _, err := in.Process(context.Background(), bomb, nil); !errors.Is(err, media.ErrRefused) {
		t.Fatalf("scan bomb: %v, want a refusal", err)
	}
	// the same shape within the scan budget is a valid, if dull, picture
	img, err := in.Process(context.Background(), apptest.ScanBomb(64, 48, media.DefaultMaxScans), []string{"10x10"})
	if err != nil {
		t.Fatalf("%d scans: %v", media.DefaultMaxScans, err)
	}
	if img.Width != 64 || img.Height != 48 {
		t.Fatalf("decoded %d×%d", img.Width, img.Height)
	}
	if _, err := in.Process(context.Background(), apptest.ScanBomb(64, 48, media.DefaultMaxScans+1), nil); !errors.Is(err, media.ErrRefused) {
		t.Fatalf("%d scans: %v, want a refusal", media.DefaultMaxScans+1, err)
	}
}

// TestProcessDecodeBudget (Hardening 1): an image within the scan budget
// that still decodes too slowly is refused at the time budget, and its
// decode stops: the slot is free long before the decode would have ended
// (60000 scans over 4000×4000 pixels: about ten minutes).
func TestProcessDecodeBudget(t *testing.T) {
	in := media.New(media.Config{Slots: 1, MaxScans: 1 << 20, DecodeTimeout: 50 * time.Millisecond})
	if _, err := in.Process(context.Background(), apptest.ScanBomb(4000, 4000, 60000), nil); !errors.Is(err, media.ErrRefused) {
		t.Fatalf("slow decode: %v, want a refusal", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	release, err := in.Acquire(ctx)
	if err != nil {
		t.Fatalf("the abandoned decode kept its slot: %v", err)
	}
	release()
}

func TestProcessRefusals(t *testing.T) {
	in := media.New(media.Config{})
	jpg := apptest.EXIFJPEG(t, 16, 16, 1)
	for name, data := range map[string][]byte{
		"text":                 []byte("hello, I am not a picture\n"),
		"PNG header only":      apptest.PNGHeader(100, 50),
		"20000×20000":          apptest.PNGHeader(20000, 20000),
		"truncated JPEG":       jpg[:len(jpg)/2],
		"JPEG without markers": append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10}, bytes.Repeat([]byte{0}, 20)...),
		"JPEG bad length":      {0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xFF, 0x00},
	} {
		if _, err := in.Process(context.Background(), data, nil); !errors.Is(err, media.ErrRefused) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	if _, err := in.Process(context.Background(), apptest.PNG(t, 4, 4), []string{"0x0"}); err == nil || errors.Is(err, media.ErrRefused) {
		t.Errorf("a size PocketBase refuses is a programming error, not a refusal: %v", err)
	}
}

// TestProcessKeepsPNGTransparency: PNG stays PNG, alpha and all.
func TestProcessKeepsPNGTransparency(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 3, 3))
	src.Pix[3] = 0x80 // one translucent pixel, the rest transparent
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	img, err := media.New(media.Config{}).Process(context.Background(), buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := decode(t, img.Data)
	if _, _, _, a := got.At(0, 0).RGBA(); a>>8 != 0x80 {
		t.Fatalf("alpha %d", a>>8)
	}
}
