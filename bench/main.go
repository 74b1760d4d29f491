// Command bench is `make bench`: it seeds a data dir with `ihome seed`,
// starts `ihome serve`, loads it with many connections scenario by
// scenario, and prints one table with each scenario's throughput as a ratio
// to a ceiling measured in the same run (a plain net/http handler serving a
// page of the same size from memory, in its own process).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite"
)

type config struct {
	bin      string
	dir      string
	users    int
	houses   int
	orders   int
	conns    int
	duration time.Duration
	smoke    bool
	soak     time.Duration
}

func main() {
	var cfg config
	ceiling := flag.String("ceiling-addr", "", "internal: serve the ceiling handler on this address")
	ceilingSize := flag.Int("ceiling-size", 2000, "internal: bytes of the ceiling page")
	flag.StringVar(&cfg.bin, "bin", "./ihome", "the ihome binary")
	flag.StringVar(&cfg.dir, "dir", "", "data dir to seed (a new temporary one when empty)")
	flag.IntVar(&cfg.users, "users", 1000, "users to seed")
	flag.IntVar(&cfg.houses, "houses", 10000, "houses to seed")
	flag.IntVar(&cfg.orders, "orders", 100000, "orders to seed")
	flag.IntVar(&cfg.conns, "conns", 64, "concurrent connections")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "load time per scenario")
	flag.BoolVar(&cfg.smoke, "smoke", false, "a small, quick run that checks the bench still works (no targets)")
	flag.DurationVar(&cfg.soak, "soak", 0, "instead of the scenarios, run mixed traffic this long and sample memory and open files")
	flag.Parse()

	if *ceiling != "" {
		serveCeiling(*ceiling, *ceilingSize)
		return
	}
	if cfg.smoke {
		cfg.users, cfg.houses, cfg.orders, cfg.duration, cfg.conns = 200, 1000, 10000, 2*time.Second, 16
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// scenario is one kind of load and its targets.
type scenario struct {
	name      string
	next      func(*rand.Rand) *http.Request
	accept    func(status int, body []byte) bool
	unit      string // what a request is, when not a page
	wantRatio float64
	wantP99   time.Duration
	minRPS    float64
}

// result is one row of the table.
type result struct {
	scenario
	requests int64
	errors   int64
	peakRSS  int64 // the server's, when the scenario ended
	rps      float64
	p50, p99 time.Duration
	ratio    float64
}

func get(url func(*rand.Rand) string) func(*rand.Rand) *http.Request {
	return func(r *rand.Rand) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url(r), nil)
		return req
	}
}

func httpOK(status int, _ []byte) bool { return status == http.StatusOK }

func errnoIs(codes ...string) func(int, []byte) bool {
	return func(status int, body []byte) bool {
		for _, c := range codes {
			if status == http.StatusOK && bytes.HasPrefix(body, []byte(`{"errno":"`+c+`"`)) {
				return true
			}
		}
		return false
	}
}

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
	if out, err := exec.Command(bin, "seed", "--dir", cfg.dir, "--users", strconv.Itoa(cfg.users),
		"--houses", strconv.Itoa(cfg.houses), "--orders", strconv.Itoa(cfg.orders), "--pictures", "20").CombinedOutput(); err != nil {
		return fmt.Errorf("seed: %v: %s", err, out)
	}
	// the generic-API baseline needs the houses list rule opened, for this data dir only
	if out, err := exec.Command(bin, "superuser", "upsert", "bench@example.com", "bench-password-1", "--dir", cfg.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("superuser: %v: %s", err, out)
	}

	addr := freeAddr()
	base := "http://" + addr
	server := exec.Command(bin, "serve", "--http", addr, "--dir", cfg.dir)
	server.Stdout, server.Stderr = io.Discard, io.Discard
	started := time.Now()
	if err := server.Start(); err != nil {
		return err
	}
	defer server.Process.Kill()
	if err := waitHealthy(base); err != nil {
		return err
	}
	startup := time.Since(started)
	step("server healthy in %s", startup.Round(time.Millisecond))

	if err := openHousesList(base); err != nil {
		return err
	}

	ceilAddr := freeAddr()
	self, _ := os.Executable()
	pageSize := samplePageSize(base)
	ceilingProc := exec.Command(self, "-ceiling-addr", ceilAddr, "-ceiling-size", strconv.Itoa(pageSize))
	if err := ceilingProc.Start(); err != nil {
		return err
	}
	defer ceilingProc.Process.Kill()
	if err := waitHealthy("http://" + ceilAddr); err != nil {
		return err
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.conns, MaxConnsPerHost: cfg.conns}, Timeout: 10 * time.Second}
	rng := rand.New(rand.NewPCG(42, 7))
	today := time.Now()
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

	step("logging in guests for the booking scenario")
	landlords := cfg.users / 5 // seed's first fifth own the houses
	tokens, err := loginGuests(client, base, landlords+1, min(200, cfg.users-landlords))
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

	scenarios := []scenario{
		{name: "ceiling: net/http, page from memory", next: get(fixed("http://" + ceilAddr + "/")), accept: httpOK},
		{name: "search, mixed", next: get(pick(searchURLs)), accept: errnoIs("0"), wantRatio: 0.30, wantP99: 50 * time.Millisecond},
		{name: "search, one hot URL", next: get(fixed(searchURLs[0])), accept: errnoIs("0"), wantRatio: 0.50},
		{name: "house detail", next: get(pick(detailURLs)), accept: errnoIs("0"), wantRatio: 0.40},
		{name: "home picks", next: get(fixed(base + "/api/v1.0/houses/index")), accept: errnoIs("0"), wantRatio: 0.50},
		{name: "baseline: PocketBase list API (filter area, sort price)", accept: httpOK,
			next: get(fixed(base + "/api/collections/houses/records?filter=(area='3')&sort=price&perPage=10"))},
		{name: "booking (answers 0 or 4004)", next: book, accept: errnoIs("0", "4004"), unit: "orders/s", minRPS: 1000},
		// every booking empties the memo of search answers: this is search
		// computed afresh, under writes
		{name: "search 90 % + booking 10 %", accept: errnoIs("0", "4004"), next: func(r *rand.Rand) *http.Request {
			if r.IntN(10) == 0 {
				return book(r)
			}
			return get(pick(searchURLs))(r)
		}},
	}
	if cfg.soak > 0 {
		return soak(client, cfg, scenarios[1:], server.Process.Pid)
	}
	var results []result
	for _, sc := range scenarios {
		step("load: %s", sc.name)
		r := load(client, cfg, sc)
		r.scenario = sc
		r.peakRSS = peakRSS(server.Process.Pid)
		results = append(results, r)
	}

	rss := peakRSS(server.Process.Pid)
	_ = server.Process.Signal(os.Interrupt)
	_ = server.Wait()
	overlaps, booked, err := checkOverlaps(cfg.dir)
	if err != nil {
		return err
	}

	ceilingRPS := results[0].rps
	for i := range results {
		results[i].ratio = results[i].rps / ceilingRPS
	}
	printTable(cfg, results, startup, rss, overlaps, booked)
	if overlaps != 0 {
		return fmt.Errorf("%d pairs of overlapping occupying orders", overlaps)
	}
	return nil
}

// load runs the scenario's requests on cfg.conns connections for
// cfg.duration; an answer the scenario does not accept is an error.
func load(client *http.Client, cfg config, sc scenario) result {
	var mu sync.Mutex
	var latencies []time.Duration
	var requests, errs, shown atomic.Int64
	deadline := time.Now().Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range cfg.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				req := sc.next(r)
				t0 := time.Now()
				res, err := client.Do(req)
				ok := false
				if err == nil {
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					ok = sc.accept(res.StatusCode, body)
					if !ok && shown.Add(1) <= 3 {
						step("  unexpected answer: HTTP %d %.200s", res.StatusCode, body)
					}
				} else if shown.Add(1) <= 3 {
					step("  request failed: %v", err)
				}
				local = append(local, time.Since(t0))
				requests.Add(1)
				if !ok {
					errs.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(latencies)
	q := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(float64(len(latencies)-1)*p)]
	}
	return result{requests: requests.Load(), errors: errs.Load(),
		rps: float64(requests.Load()) / cfg.duration.Seconds(), p50: q(0.50), p99: q(0.99)}
}

func printTable(cfg config, rs []result, startup time.Duration, rss int64, overlaps, booked int) {
	fmt.Printf("\n%d houses, %d orders, %d users; %d connections, %s per scenario; GOMAXPROCS of this machine: %s\n\n",
		cfg.houses, cfg.orders, cfg.users, cfg.conns, cfg.duration, nproc())
	fmt.Println("| scenario | req/s | ratio to ceiling | p50 | p99 | errors | server peak RSS so far | target |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		unit := ""
		if r.unit != "" {
			unit = " " + r.unit
		}
		rss := ""
		if r.peakRSS > 0 && !strings.HasPrefix(r.name, "ceiling") {
			rss = fmt.Sprintf("%d MB", r.peakRSS>>20)
		}
		fmt.Printf("| %s | %.0f%s | %.0f %% | %s | %s | %d | %s | %s |\n", r.name, r.rps, unit, r.ratio*100,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, rss, verdict(cfg, r))
	}
	rssVerdict, startVerdict := "", ""
	if !cfg.smoke {
		rssVerdict = pass(rss <= 200<<20, "≤ 200 MB")
		startVerdict = pass(startup <= 200*time.Millisecond, "≤ 200 ms")
	}
	fmt.Printf("| peak server RSS (VmHWM), whole run | %d MB | | | | | | %s |\n", rss>>20, rssVerdict)
	fmt.Printf("| start to healthy | %s | | | | | | %s |\n", startup.Round(time.Millisecond), startVerdict)
	fmt.Printf("| overlapping occupying orders after booking | %d (of %d occupying) | | | | | | %s |\n", overlaps, booked, pass(overlaps == 0, "0"))
}

func verdict(cfg config, r result) string {
	if cfg.smoke {
		return ""
	}
	var parts []string
	if r.wantRatio > 0 {
		parts = append(parts, pass(r.ratio >= r.wantRatio, fmt.Sprintf("≥ %.0f %%", r.wantRatio*100)))
	}
	if r.wantP99 > 0 {
		parts = append(parts, pass(r.p99 <= r.wantP99, "p99 ≤ "+r.wantP99.String()))
	}
	if r.minRPS > 0 {
		parts = append(parts, pass(r.rps >= r.minRPS, fmt.Sprintf("≥ %.0f/s", r.minRPS)))
	}
	if r.errors > 0 {
		parts = append(parts, "ERRORS")
	}
	return strings.Join(parts, ", ")
}

func pass(ok bool, target string) string {
	if ok {
		return "met: " + target
	}
	return "MISSED: " + target
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(base string) error {
	for range 2000 {
		res, err := http.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return errors.New(base + " never became healthy")
}

// openHousesList lets guests list houses through PocketBase's generic API,
// for the baseline row (the bench data dir only; the product keeps it shut).
func openHousesList(base string) error {
	body := `{"identity":"bench@example.com","password":"bench-password-1"}`
	res, err := http.Post(base+"/api/collections/_superusers/auth-with-password", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	var auth struct{ Token string }
	err = json.NewDecoder(res.Body).Decode(&auth)
	res.Body.Close()
	if err != nil || auth.Token == "" {
		return fmt.Errorf("superuser login: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPatch, base+"/api/collections/houses", strings.NewReader(`{"listRule":""}`))
	req.Header.Set("Authorization", auth.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("open houses list: HTTP %d", res.StatusCode)
	}
	return nil
}

func samplePageSize(base string) int {
	res, err := http.Get(base + "/api/v1.0/houses?aid=3")
	if err != nil {
		return 2000
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return len(b)
}

// loginGuests logs in n seeded users from the first one, as a page would
// (CSRF cookie echoed in the header), and returns their session tokens.
func loginGuests(client *http.Client, base string, first, n int) ([]string, error) {
	const csrf = "bench-csrf-token-0123456789abcdef"
	var tokens []string
	for i := first; i < first+n; i++ {
		body := fmt.Sprintf(`{"mobile":"138%08d","password":"password-1"}`, i)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1.0/session", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", "csrf_token="+csrf)
		req.Header.Set("X-CSRFToken", csrf)
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		var env struct {
			Errno string
			Data  struct{ Token string }
		}
		err = json.NewDecoder(res.Body).Decode(&env)
		res.Body.Close()
		if err != nil || env.Errno != "0" {
			return nil, fmt.Errorf("login %d: %v %s", i+1, err, env.Errno)
		}
		tokens = append(tokens, env.Data.Token)
	}
	return tokens, nil
}

func checkOverlaps(dir string) (overlaps, occupying int, err error) {
	db, err := dbx.Open("sqlite", filepath.Join(dir, "data.db")+"?mode=ro")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	occ := "('WAIT_ACCEPT','WAIT_PAYMENT','PAID','WAIT_COMMENT','COMPLETE')"
	err = db.NewQuery(`SELECT count(*) FROM orders a JOIN orders b ON a.house = b.house AND a.id < b.id
		AND a.start_date <= b.end_date AND b.start_date <= a.end_date
		WHERE a.status IN ` + occ + ` AND b.status IN ` + occ).Row(&overlaps)
	if err != nil {
		return 0, 0, err
	}
	err = db.NewQuery("SELECT count(*) FROM orders WHERE status IN " + occ).Row(&occupying)
	return overlaps, occupying, err
}

// peakRSS reads the process's peak resident set (VmHWM) in bytes.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

// procStatus reads a kB field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func nproc() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	return strconv.Itoa(bytes.Count(b, []byte("processor\t:")))
}

// serveCeiling serves one JSON page of size bytes from memory: the fastest
// this machine answers HTTP, to compare the scenarios with.
func serveCeiling(addr string, size int) {
	page := []byte(`{"errno":"0","errmsg":"OK","data":"` + strings.Repeat("x", max(0, size-40)) + `"}`)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	})
	http.HandleFunc("/api/health", func(w http.ResponseWriter, r *http.Request) {})
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// soak runs a mix of the scenarios for cfg.soak, in 10 s slices, and prints
// after each slice the throughput, the server's resident memory and its
// open files: both must level off.
func soak(client *http.Client, cfg config, mix []scenario, pid int) error {
	mixed := scenario{
		next: func(r *rand.Rand) *http.Request { return mix[r.IntN(len(mix))].next(r) },
		accept: func(status int, body []byte) bool {
			return status == http.StatusOK
		},
	}
	slice := cfg
	slice.duration = 10 * time.Second
	fmt.Printf("\nsoak: %s of mixed traffic (%d connections)\n\n", cfg.soak, cfg.conns)
	fmt.Println("| elapsed | req/s | errors | RSS | peak RSS | open files |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	for elapsed := time.Duration(0); elapsed < cfg.soak; elapsed += slice.duration {
		r := load(client, slice, mixed)
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		fmt.Printf("| %s | %.0f | %d | %d MB | %d MB | %d |\n", elapsed+slice.duration, r.rps, r.errors,
			procStatus(pid, "VmRSS:")>>20, procStatus(pid, "VmHWM:")>>20, len(fds))
	}
	return nil
}
