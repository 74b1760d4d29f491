// Command bench is `make bench` and `make bench-scale`: it seeds a data
// dir with `ihome seed`, starts `ihome serve`, loads it with many
// connections scenario by scenario, and prints one markdown table with each
// scenario's throughput as a share of two references measured in the same
// run: the raw ceiling (a plain net/http handler serving a page of the
// same size from memory, in its own process) and the framework ceiling
// (this binary's own GET /api/health: PocketBase's router and middlewares
// doing no work). Targets are printed as met or MISSED.
//
// `make bench` is the 10,000-house city with every scenario; `make
// bench-scale` (--scale) is the 100,000-house, 1,000,000-order city, seeded
// once and cached under ./bench-data, measuring the start, the first search
// and unique-query search.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type config struct {
	bin      string
	dir      string
	cache    string // cached cities (the scale run)
	users    int
	houses   int
	orders   int
	pictures int
	guests   int // logged-in guests that book
	conns    int
	duration time.Duration
	smoke    bool
	scale    bool
	soak     time.Duration
}

func (c config) city(version string) city {
	return city{users: c.users, houses: c.houses, orders: c.orders, pictures: c.pictures, version: version}
}

func main() {
	var cfg config
	ceiling := flag.String("ceiling-addr", "", "internal: serve the ceiling handler on this address")
	ceilingSize := flag.Int("ceiling-size", 2000, "internal: bytes of the ceiling page")
	flag.StringVar(&cfg.bin, "bin", "./ihome", "the ihome binary")
	flag.StringVar(&cfg.dir, "dir", "", "data dir to seed (a new temporary one when empty; not with --scale)")
	flag.StringVar(&cfg.cache, "cache", "bench-data", "--scale: where seeded cities are kept between runs")
	flag.IntVar(&cfg.users, "users", 1000, "users to seed (--scale: 10000)")
	flag.IntVar(&cfg.houses, "houses", 10000, "houses to seed (--scale: 100000)")
	flag.IntVar(&cfg.orders, "orders", 100000, "orders to seed (--scale: 1000000)")
	flag.IntVar(&cfg.pictures, "pictures", 20, "houses with pictures")
	flag.IntVar(&cfg.guests, "guests", 200, "guests logged in to book")
	flag.IntVar(&cfg.conns, "conns", 64, "concurrent connections")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "load time per scenario")
	flag.BoolVar(&cfg.smoke, "smoke", false, "a small, quick run of both the scenarios and the scale run, that checks the bench still works (no targets)")
	flag.BoolVar(&cfg.scale, "scale", false, "the scale run: 100,000 houses and 1,000,000 orders, cached under --cache")
	flag.DurationVar(&cfg.soak, "soak", 0, "instead of the scenarios, run mixed traffic this long and sample memory and open files")
	flag.Parse()

	if *ceiling != "" {
		serveCeiling(*ceiling, *ceilingSize)
		return
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.scale && !cfg.smoke {
		for name, v := range map[string]*int{"users": &cfg.users, "houses": &cfg.houses, "orders": &cfg.orders} {
			if !set[name] {
				*v = map[string]int{"users": 10000, "houses": 100000, "orders": 1000000}[name]
			}
		}
	}
	var err error
	switch {
	case cfg.smoke:
		// every scenario and the scale run's steps, on tiny cities
		cfg.users, cfg.houses, cfg.orders, cfg.pictures, cfg.guests = 200, 1000, 10000, 5, 20
		cfg.duration, cfg.conns = 500*time.Millisecond, 16
		if !cfg.scale {
			err = run(cfg)
		}
		if err == nil {
			cache, e := os.MkdirTemp("", "ihome-bench-cache-")
			if e != nil {
				err = e
				break
			}
			defer os.RemoveAll(cache)
			cfg.cache, cfg.users, cfg.houses, cfg.orders = cache, 100, 2000, 10000
			err = runScale(cfg)
		}
	case cfg.scale:
		err = runScale(cfg)
	default:
		err = run(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run is `make bench`: every scenario on the 10,000-house city.
func run(cfg config) error {
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "ihome-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return err
	}
	step("seeding %d users, %d houses, %d orders", cfg.users, cfg.houses, cfg.orders)
	t0 := time.Now()
	if err := seedWith(bin, cfg.city(""), cfg.dir); err != nil {
		return err
	}
	seeded := time.Since(t0)
	// the generic-API baseline needs the houses list rule opened, for this data dir only
	if out, err := exec.Command(bin, "superuser", "upsert", "bench@example.com", "bench-password-1", "--dir", cfg.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("superuser: %v: %s", err, out)
	}

	today := time.Now()
	addr := freeAddr()
	base := "http://" + addr
	unique := &uniqueSearches{base: base, today: today}
	srv, err := restartServer(bin, cfg.dir, addr, unique)
	if err != nil {
		return err
	}
	defer srv.kill()
	if err := openHousesList(base); err != nil {
		return err
	}
	ceil, err := startCeiling(samplePageSize(base))
	if err != nil {
		return err
	}
	defer ceil.Process.Kill()

	client := newClient(cfg.conns)
	rng := rand.New(rand.NewPCG(42, 7))
	// the memo's scenario: 4,096 searches, drawn once and repeated
	var searchURLs []string
	sorts := []string{"new", "booking", "price-inc", "price-des"}
	for range 4096 {
		q := ""
		if n := rng.IntN(20); n < 15 {
			q = fmt.Sprintf("aid=%d&", n+1)
		}
		if rng.IntN(4) > 0 {
			sd := today.AddDate(0, 0, rng.IntN(90))
			q += fmt.Sprintf("sd=%s&ed=%s&", sd.Format("2006-01-02"), sd.AddDate(0, 0, rng.IntN(7)).Format("2006-01-02"))
		}
		searchURLs = append(searchURLs, fmt.Sprintf("%s/api/v1.0/houses?%ssk=%s&p=%d", base, q, sorts[rng.IntN(4)], 1+rng.IntN(3)))
	}
	var detailURLs []string
	for range 4096 {
		detailURLs = append(detailURLs, fmt.Sprintf("%s/api/v1.0/houses/%d", base, 1+rng.IntN(cfg.houses)))
	}
	pick := func(urls []string) func(*rand.Rand) string {
		return func(r *rand.Rand) string { return urls[r.IntN(len(urls))] }
	}
	fixed := func(u string) func(*rand.Rand) string { return func(*rand.Rand) string { return u } }
	uniqueSearch := kind{name: "searches (unique)", next: get(func(*rand.Rand) string { return unique.next() }), accept: errnoIs("0")}

	step("logging in %d guests for the booking scenarios", cfg.guests)
	landlords := cfg.users / 5 // seed's first fifth own the houses
	tokens, err := loginGuests(client, base, landlords+1, min(cfg.guests, cfg.users-landlords))
	if err != nil {
		return err
	}
	var tokenN atomic.Int64
	book := func(r *rand.Rand) *http.Request {
		start := today.AddDate(0, 0, 1+r.IntN(120))
		body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, 1+r.IntN(cfg.houses),
			start.Format("2006-01-02"), start.AddDate(0, 0, r.IntN(4)).Format("2006-01-02"))
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1.0/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		// a bearer token and no cookies: exempt from CSRF, as for any app client
		req.Header.Set("Authorization", "Bearer "+tokens[int(tokenN.Add(1))%len(tokens)])
		return req
	}
	booking := kind{name: "bookings", unit: "orders/s", next: book, accept: errnoIs("0", "4004")}

	refs := references(ceil.addr, base)
	scenarios := []scenario{
		single("search, unique queries (no repeats)", uniqueSearch, target{ofFramework: 0.75, p99: 25 * time.Millisecond}),
		single("search, repeated URL (memo): 4,096 searches repeated", kind{next: get(pick(searchURLs)), accept: errnoIs("0")},
			target{ofRaw: 0.30, p99: 50 * time.Millisecond}),
		single("search, one hot URL (memo)", kind{next: get(fixed(searchURLs[0])), accept: errnoIs("0")}, target{ofRaw: 0.50}),
		single("house detail", kind{next: get(pick(detailURLs)), accept: errnoIs("0")}, target{ofRaw: 0.40}),
		single("home picks", kind{next: get(fixed(base + "/api/v1.0/houses/index")), accept: errnoIs("0")}, target{ofRaw: 0.50}),
		single("baseline: PocketBase list API (filter area, sort price)", kind{accept: httpOK,
			next: get(fixed(base + "/api/collections/houses/records?filter=(area='3')&sort=price&perPage=10"))}, target{}),
		single("booking (answers 0 or 4004)", booking, target{minRPS: 1000}),
		// every booking is a write the search must take in: this is search
		// computed afresh, sharing the two cores with the writes
		{name: "search 90 % + booking 10 %", kinds: []kind{withShare(uniqueSearch, 9), withShare(booking, 1)},
			target: target{ofFramework: 0.50, p99: 40 * time.Millisecond}},
	}
	if cfg.soak > 0 {
		return soak(client, cfg, scenarios, srv.cmd.Process.Pid)
	}
	results, err := measure(client, cfg, refs, scenarios, srv.cmd.Process.Pid)
	if err != nil {
		return err
	}

	rss := peakRSS(srv.cmd.Process.Pid)
	if err := srv.stop(); err != nil {
		return err
	}
	overlaps, booked, err := checkOverlaps(cfg.dir)
	if err != nil {
		return err
	}

	t := table{cfg: cfg, results: results, unique: unique}
	t.header = fmt.Sprintf("%d houses, %d orders, %d users (seeded in %s); %d connections, %s per scenario; cores: %s",
		cfg.houses, cfg.orders, cfg.users, seeded.Round(100*time.Millisecond), cfg.conns, cfg.duration, nproc())
	t.summary = []summaryRow{
		{"peak server RSS (VmHWM), whole run", fmt.Sprintf("%d MB", rss>>20), judge(rss <= 120<<20, "≤ 120 MB")},
		{"start to healthy (a restart)", ms(srv.healthy), judge(srv.healthy <= 200*time.Millisecond, "≤ 200 ms")},
		{"start to first search answer (a restart)", fmt.Sprintf("%s (%s after healthy)", ms(srv.firstSearch), ms(srv.firstSearch-srv.healthy)), ""},
		{"overlapping occupying orders after booking", fmt.Sprintf("%d (of %d occupying)", overlaps, booked), judge(overlaps == 0, "0")},
	}
	t.print(os.Stdout)
	if overlaps != 0 {
		return fmt.Errorf("%d pairs of overlapping occupying orders", overlaps)
	}
	return t.errors()
}

// runScale is `make bench-scale`: the big city from the cache (seeded on
// the first run), a restart, then the first search, the references and
// unique-query search.
func runScale(cfg config) error {
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return err
	}
	version, err := generatorVersion(".", bin)
	if err != nil {
		return err
	}
	c := cfg.city(version)
	step("city %s under %s", c.key(), cfg.cache)
	cached, seeded, hit, err := cachedCity(cfg.cache, c, func(dir string) error {
		step("seeding %d users, %d houses, %d orders (once; cached for the next runs)", c.users, c.houses, c.orders)
		return seedWith(bin, c, dir)
	})
	if err != nil {
		return err
	}
	how := fmt.Sprintf("seeded in %s", seeded.Round(100*time.Millisecond))
	if hit {
		how = fmt.Sprintf("cached in %s, seeded in %s when made", cached, seeded.Round(100*time.Millisecond))
	}
	step("%s", how)

	work, err := os.MkdirTemp("", "ihome-bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "pb_data")
	if err := copyDir(cached, dir); err != nil {
		return err
	}

	addr := freeAddr()
	base := "http://" + addr
	unique := &uniqueSearches{base: base, today: time.Now()}
	srv, err := restartServer(bin, dir, addr, unique)
	if err != nil {
		return err
	}
	defer srv.kill()
	ceil, err := startCeiling(samplePageSize(base))
	if err != nil {
		return err
	}
	defer ceil.Process.Kill()

	client := newClient(cfg.conns)
	search := kind{name: "searches (unique)", next: get(func(*rand.Rand) string { return unique.next() }), accept: errnoIs("0")}
	results, err := measure(client, cfg, references(ceil.addr, base), []scenario{
		single("search, unique queries (no repeats)", search, target{ofFramework: 0.60, p99: 40 * time.Millisecond}),
	}, srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	rss := peakRSS(srv.cmd.Process.Pid)
	if err := srv.stop(); err != nil {
		return err
	}

	t := table{cfg: cfg, results: results, unique: unique}
	t.header = fmt.Sprintf("scale run: %d houses, %d orders, %d users (%s); %d connections, %s per scenario; cores: %s",
		cfg.houses, cfg.orders, cfg.users, how, cfg.conns, cfg.duration, nproc())
	t.summary = []summaryRow{
		{"peak server RSS (VmHWM), whole run", fmt.Sprintf("%d MB", rss>>20), judge(rss <= 250<<20, "≤ 250 MB")},
		{"start to healthy (a restart)", ms(srv.healthy), ""},
		{"start to first search answer (a restart)", fmt.Sprintf("%s (%s after healthy)", ms(srv.firstSearch), ms(srv.firstSearch-srv.healthy)),
			judge(srv.firstSearch <= 200*time.Millisecond, "≤ 200 ms")},
	}
	t.print(os.Stdout)
	return t.errors()
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }
