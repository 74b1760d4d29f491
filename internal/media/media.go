// Package media is the intake of uploaded pictures (API.md §1.7 "Uploads",
// §2.9, §3.4), shared by avatars and house pictures. An upload is decoded
// once, under a budget (bytes, pixels, JPEG scans, decode time), in one of
// a few slots; what is stored is a re-encoded copy (no trailing bytes, no
// EXIF/GPS or other metadata, EXIF orientation applied) and its
// thumbnails, made then, under the same limits. A file request never
// decodes: BindThumbGuard keeps PocketBase's file route from making a
// thumbnail on demand.
//
// The package imports no module: modules hand it the request, the
// thumbnail sizes of their file field and where to store.
package media

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

// Defaults of Config (API.md leaves the numbers to us; see the fields).
const (
	DefaultSlots           = 2
	DefaultMaxSide         = 10000
	DefaultMaxDecodedBytes = 64 << 20
	DefaultMaxScans        = 64
	DefaultDecodeTimeout   = 3 * time.Second
	DefaultQuality         = 85
)

// Config holds the limits of the intake; zero values take the defaults.
type Config struct {
	// Slots is how many uploads are decoded at once (2): a decode may take
	// MaxDecodedBytes and a core, so parallel uploads queue for a slot.
	Slots int
	// MaxSide is the largest width or height accepted, in pixels (10000).
	MaxSide int
	// MaxDecodedBytes bounds the decoded image in memory (64 MiB: a
	// 16-megapixel photo; 16-bit pixels count 8 bytes, others 4).
	MaxDecodedBytes int64
	// MaxScans bounds the scans (SOS segments) of a JPEG (64). The decoder
	// walks every block of the image once a scan, so a small progressive
	// file with a thousand empty scans costs seconds of CPU; libjpeg writes
	// 10 scans, mozjpeg about as many: 64 leaves room for any encoder.
	MaxScans int
	// DecodeTimeout bounds the decode itself (3 s; a 16-megapixel JPEG
	// decodes in well under a second). Past it the upload is refused.
	DecodeTimeout time.Duration
	// Quality is the JPEG quality of the stored re-encode and its
	// thumbnails (85).
	Quality int
}

func (c Config) withDefaults() Config {
	if c.Slots <= 0 {
		c.Slots = DefaultSlots
	}
	if c.MaxSide <= 0 {
		c.MaxSide = DefaultMaxSide
	}
	if c.MaxDecodedBytes <= 0 {
		c.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	if c.MaxScans <= 0 {
		c.MaxScans = DefaultMaxScans
	}
	if c.DecodeTimeout <= 0 {
		c.DecodeTimeout = DefaultDecodeTimeout
	}
	if c.Quality <= 0 || c.Quality > 100 {
		c.Quality = DefaultQuality
	}
	return c
}

// ErrRefused is wrapped by every refusal of an upload's content: not a
// JPEG, PNG, GIF or WebP, over a limit, corrupt, or too slow to decode.
var ErrRefused = errors.New("not an acceptable image")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRefused}, args...)...)
}

// Image is an accepted upload as it is stored: re-encoded, never the bytes
// the client sent.
type Image struct {
	Data   []byte // JPEG (from JPEG, opaque WebP) or PNG (from PNG, GIF's first frame, WebP with alpha)
	Ext    string // ".jpg" or ".png"
	Width  int    // after orientation
	Height int
	// Thumbs holds the thumbnails asked for, by size ("640x400"), encoded
	// as Data is and made as PocketBase makes them.
	Thumbs map[string][]byte
}

// Intake decodes uploads, at most Config.Slots at once. It is safe for
// concurrent use; one Intake serves every module, so the bound is global.
type Intake struct {
	cfg   Config
	slots chan struct{}
	// decode is the decoder for a sniffed format; tests replace it.
	decode func(r io.Reader, format string) (image.Image, error)
}

// New returns an Intake with cfg's limits.
func New(cfg Config) *Intake {
	cfg = cfg.withDefaults()
	return &Intake{cfg: cfg, slots: make(chan struct{}, cfg.Slots), decode: decodeFormat}
}

// Acquire waits for a decode slot, or returns ctx's error when ctx ends
// first. The caller must call release once it is done with the slot
// (calling it again does nothing): a defer, so that a panic cannot leak it.
func (in *Intake) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case in.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-in.slots }) }, nil
}

// Process decodes data and makes the Image to store, with a thumbnail of
// each of thumbs (PocketBase's sizes: "WxH", "WxHt", "WxHb", "WxHf",
// "0xH", "Wx0"). Headers are checked before a slot is taken: sniffed type,
// dimensions, decoded size, the JPEG's scans. The decode then runs in a
// slot, on its own goroutine, and Process returns
//   - an error wrapping ErrRefused when data is refused, the decode panics,
//     or it has not finished within DecodeTimeout;
//   - ctx.Err() when ctx ends first (the client went away), whether it was
//     waiting for a slot or decoding.
//
// An abandoned decode is told to stop and does at its next read of data
// (reads are small, so within a few scans or rows). A decoder busy
// computing without reading (a progressive JPEG's last pass, say) finishes
// in the background, bounded by the pixel and scan limits, and keeps its
// slot until then: abandoned work never adds up past Slots.
func (in *Intake) Process(ctx context.Context, data []byte, thumbs []string) (*Image, error) {
	format, orientation, err := in.check(data)
	if err != nil {
		return nil, err
	}
	sizes, err := parseSizes(thumbs)
	if err != nil {
		return nil, err
	}
	release, err := in.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	type result struct {
		img *Image
		err error
	}
	var (
		stop    = make(chan struct{})
		decoded = make(chan struct{})
		done    = make(chan result, 1) // buffered: an abandoned worker never blocks
	)
	go func() {
		defer release()
		defer func() {
			// x/image decoders have panicked on crafted input before;
			// on this goroutine a panic would end the process
			if p := recover(); p != nil {
				done <- result{err: refuse("decoder panic: %v", p)}
			}
		}()
		img, err := in.work(data, format, orientation, sizes, stop, decoded)
		done <- result{img, err}
	}()

	timer := time.NewTimer(in.cfg.DecodeTimeout)
	defer timer.Stop()
	timeout, decoding := timer.C, (<-chan struct{})(decoded)
	for {
		select {
		case r := <-done:
			return r.img, r.err
		case <-decoding:
			decoding, timeout = nil, nil // the budget is for the decode
		case <-timeout:
			close(stop)
			return nil, refuse("not decoded within %v", in.cfg.DecodeTimeout)
		case <-ctx.Done():
			close(stop)
			return nil, ctx.Err()
		}
	}
}

// errStopped ends a decode that Process abandoned.
var errStopped = errors.New("media: decode abandoned")

// work decodes, orients, re-encodes and makes the thumbnails; it closes
// decoded once the decode is over and gives up between steps once stop is
// closed.
func (in *Intake) work(data []byte, format string, orientation int, sizes []thumbSize, stop, decoded chan struct{}) (*Image, error) {
	img, err := in.decode(newReaderStop(data, stop), format)
	close(decoded)
	if stopped(stop) {
		return nil, errStopped
	}
	if err != nil {
		return nil, refuse("%s: %v", format, err)
	}
	img = orient(img, orientation)
	out := &Image{Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), Thumbs: make(map[string][]byte, len(sizes))}
	if out.Data, out.Ext, err = in.encode(img, storedFormat(img, format)); err != nil {
		return nil, err
	}
	thumbFormat := "png"
	if out.Ext == ".jpg" {
		thumbFormat = "jpeg"
	}
	for _, s := range sizes {
		if stopped(stop) {
			return nil, errStopped
		}
		if out.Thumbs[s.spec], _, err = in.encode(s.make(img), thumbFormat); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stopped(stop chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// NewName returns a fresh name to store img under: prefix (the form
// field), PocketBase's random suffix and img's extension, as PocketBase
// names uploads ("avatar_k3j2h1g0f9.jpg"). The client's name is never used.
func (img *Image) NewName(prefix string) string {
	return prefix + "_" + security.RandomStringWithAlphabet(10, core.DefaultIdAlphabet) + img.Ext
}
