package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"testing"
	"time"
)

// tinyPNG is a valid 4×3 PNG.
func tinyPNG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// free reports whether every slot of in is free, without waiting.
func free(in *Intake) bool {
	return len(in.slots) == 0
}

// TestDecoderPanicReleasesSlot: a decoder that panics (x/image decoders
// have, on crafted files) is a refused upload, and its slot comes back:
// before, the release was not deferred, and a panic leaked the slot for
// good (two such uploads stopped every upload).
func TestDecoderPanicReleasesSlot(t *testing.T) {
	in := New(Config{Slots: 1})
	in.decode = func(io.Reader, string) (image.Image, error) { panic("crafted input") }
	for range 3 { // more than the slots: a leak would block the second
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := in.Process(ctx, tinyPNG(t), nil)
		cancel()
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("a panicking decoder: %v, want a refusal", err)
		}
	}
	release, err := in.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	release() // twice is harmless
	if !free(in) {
		t.Fatal("a slot is still taken")
	}
}

// TestContextEndStopsDecode: when the request's context ends during the
// decode, Process returns at once with the context's error, and the
// decode stops at its next read, which gives the slot back.
func TestContextEndStopsDecode(t *testing.T) {
	in := New(Config{Slots: 1, DecodeTimeout: time.Hour})
	started := make(chan struct{})
	ended := make(chan error, 1)
	in.decode = func(r io.Reader, _ string) (image.Image, error) {
		close(started)
		_, err := io.Copy(io.Discard, neverEnding{r}) // reads until told to stop
		ended <- err
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	if _, err := in.Process(ctx, tinyPNG(t), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Process: %v, want context.Canceled", err)
	}
	if err := <-ended; !errors.Is(err, errStopped) {
		t.Fatalf("the decode ended with %v, want errStopped", err)
	}
	release, err := in.Acquire(context.Background()) // waits for the worker's release
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// neverEnding reads r again and again: a decoder with endless input.
type neverEnding struct{ r io.Reader }

func (n neverEnding) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if errors.Is(err, io.EOF) {
		return len(p), nil
	}
	return k, err
}

// TestAcquireWhenContextEnded: a request whose client left while it was
// queued gets the context's error, and takes no slot.
func TestAcquireWhenContextEnded(t *testing.T) {
	in := New(Config{Slots: 1})
	release, err := in.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := in.Process(ctx, tinyPNG(t), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("queued, then the client left: %v", err)
	}
	release()
	if !free(in) {
		t.Fatal("the queued request took a slot")
	}
}

func TestEXIFOrientation(t *testing.T) {
	ifd := func(order string, tag, typ uint16, count uint32, value uint16) []byte {
		b := []byte("Exif\x00\x00" + order)
		put16 := func(v uint16) {
			if order[0] == 'I' {
				b = append(b, byte(v), byte(v>>8))
			} else {
				b = append(b, byte(v>>8), byte(v))
			}
		}
		put32 := func(v uint32) { put32Order(&b, order, v) }
		put32(8)
		put16(1)
		put16(tag)
		put16(typ)
		put32(count)
		put16(value)
		put16(0)
		put32(0)
		return b
	}
	for _, tc := range []struct {
		seg  []byte
		want int
	}{
		{ifd("MM\x00*", 0x0112, 3, 1, 6), 6},
		{ifd("II*\x00", 0x0112, 3, 1, 8), 8},
		{ifd("MM\x00*", 0x0112, 3, 1, 9), 0}, // out of range
		{ifd("MM\x00*", 0x0112, 4, 1, 6), 0}, // not a SHORT
		{ifd("MM\x00*", 0x0110, 3, 1, 6), 0}, // another tag
		{ifd("XX\x00*", 0x0112, 3, 1, 6), 0}, // no byte order
		{ifd("MM\x00*", 0x0112, 3, 1, 6)[:20], 0},
		{[]byte("Exif\x00\x00MM\x00*\xff\xff\xff\xf0"), 0}, // IFD offset past the end
		{[]byte("XMP"), 0},
	} {
		if got := exifOrientation(tc.seg); got != tc.want {
			t.Errorf("exifOrientation(%q) = %d, want %d", tc.seg, got, tc.want)
		}
	}
}

func put32Order(b *[]byte, order string, v uint32) {
	if order[0] == 'I' {
		*b = append(*b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	} else {
		*b = append(*b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}
