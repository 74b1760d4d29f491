package search_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules/seed"
)

// BenchmarkSearch: one search over HTTP on a city of 10,000 houses and
// 100,000 orders, with random area, window, sort and page. The queries are
// drawn from about two million combinations, so nearly every one misses
// the index's memo of recent answers: this is the cost of a real search.
func BenchmarkSearch(b *testing.B) {
	app := apptest.New(b)
	if err := seed.Run(app, seed.Options{Seed: 1, Users: 1000, Houses: 10000, Orders: 100000, Today: time.Now()}); err != nil {
		b.Fatal(err)
	}
	sorts := []string{"new", "booking", "price-inc", "price-des"}
	rng := rand.New(rand.NewPCG(1, 2))
	urls := make([]string, 1<<16)
	for i := range urls {
		sd := time.Now().AddDate(0, 0, rng.IntN(365))
		ed := sd.AddDate(0, 0, rng.IntN(7))
		area := "" // a quarter of the searches cover the whole city
		if n := rng.IntN(20); n < 15 {
			area = fmt.Sprintf("aid=%d&", n+1)
		}
		urls[i] = fmt.Sprintf("%s/api/v1.0/houses?%ssd=%s&ed=%s&sk=%s&p=%d", app.Server.URL,
			area, sd.Format("2006-01-02"), ed.Format("2006-01-02"), sorts[rng.IntN(4)], 1+rng.IntN(20))
	}
	client := app.Server.Client()
	warm, err := client.Get(urls[0]) // loads the index
	if err != nil {
		b.Fatal(err)
	}
	warm.Body.Close()

	i := 0
	for b.Loop() {
		res, err := client.Get(urls[i%len(urls)])
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"errno":"0"`)) {
			b.Fatalf("%s: %d %s", urls[i%len(urls)], res.StatusCode, body)
		}
		i++
	}
}
