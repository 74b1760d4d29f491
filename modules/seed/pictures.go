package seed

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strconv"

	"ihome/internal/media"
	"ihome/modules/house"
)

// pictures draws pictures for the first Pictures houses and adds them as
// an upload does (house.AddImage): re-encoded with their thumbnails, the
// files stored first, then the records and the index picture.
func (g *gen) pictures() error {
	n := min(g.opt.Pictures, g.opt.Houses)
	if n <= 0 {
		return nil
	}
	intake := media.New(media.Config{})
	sizes, err := media.ThumbSizes(g.app, house.ImagesCollection, house.FieldImageFile)
	if err != nil {
		return err
	}
	for i := range n {
		id := strconv.Itoa(i + 1)
		for range 2 + g.rng.IntN(3) {
			data, err := drawHouse(g.rng, 480, 320)
			if err != nil {
				return err
			}
			img, err := intake.Process(context.Background(), data, sizes)
			if err != nil {
				return fmt.Errorf("a picture of house %s: %w", id, err)
			}
			if _, err := house.AddImage(g.app, id, img, house.DefaultMaxImages); err != nil {
				return fmt.Errorf("a picture of house %s: %w", id, err)
			}
		}
		if (i+1)%10 == 0 || i+1 == n {
			g.opt.Progress("pictures", i+1, n)
		}
	}
	return nil
}

// drawHouse paints a small picture of a house: sky, lawn, walls, a roof and
// lit windows, in colours drawn from rng.
func drawHouse(rng *rand.Rand, w, h int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	sky := color.RGBA{uint8(120 + rng.IntN(60)), uint8(170 + rng.IntN(50)), 235, 255}
	lawn := color.RGBA{uint8(60 + rng.IntN(40)), uint8(140 + rng.IntN(60)), 70, 255}
	wall := color.RGBA{uint8(200 + rng.IntN(55)), uint8(170 + rng.IntN(70)), uint8(120 + rng.IntN(100)), 255}
	roof := color.RGBA{uint8(120 + rng.IntN(100)), uint8(40 + rng.IntN(40)), uint8(30 + rng.IntN(40)), 255}
	glass := color.RGBA{250, 230, 140, 255}

	horizon := h * 2 / 3
	left, right := w/4+rng.IntN(w/10), w*3/4-rng.IntN(w/10)
	top := h/3 + rng.IntN(h/10)
	peak := top - h/5
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := sky
			if y >= horizon {
				c = lawn
			}
			switch {
			case x >= left && x < right && y >= top && y < horizon:
				c = wall
			case y < top && y >= peak && inRoof(x, y, left, right, top, peak):
				c = roof
			}
			img.Set(x, y, c)
		}
	}
	winW, winH := (right-left)/6, (horizon-top)/4
	for i := range 2 {
		x0 := left + (right-left)*(1+2*i)/5
		y0 := top + (horizon-top)/4
		for y := y0; y < y0+winH; y++ {
			for x := x0; x < x0+winW; x++ {
				img.Set(x, y, glass)
			}
		}
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}

// inRoof reports whether (x, y) is under the roof's two slopes.
func inRoof(x, y, left, right, top, peak int) bool {
	mid := (left + right) / 2
	half := (right - left) / 2 * (y - peak) / (top - peak)
	return x >= mid-half-10 && x <= mid+half+10
}
