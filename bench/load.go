package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// kind is one kind of request of a scenario.
type kind struct {
	name   string // in the table, for scenarios of several kinds
	unit   string // what a request is, when not a page ("orders/s")
	share  int    // weight among the scenario's kinds; 0 counts as 1
	next   func(*rand.Rand) *http.Request
	accept func(status int, body []byte) bool
}

// scenario is one load: requests of its kinds, drawn by share.
type scenario struct {
	name   string
	kinds  []kind
	target target
	ref    string // "raw" or "framework" for the two references
}

// target is what a scenario must reach; zero fields are no target.
type target struct {
	ofFramework float64 // share of the framework ceiling
	ofRaw       float64 // share of the raw ceiling (the older targets)
	p99         time.Duration
	minRPS      float64
}

// stats are the measures of a scenario, or of one of its kinds.
type stats struct {
	requests, errors int64
	rps              float64
	p50, p99         time.Duration
	errnos           map[string]int64 // answers by errno ("" when not the API's envelope)
}

// result is a scenario's row (and its kinds' rows) in the table.
type result struct {
	scenario
	all     stats
	kinds   []stats // when the scenario has several kinds
	peakRSS int64   // the server's, when the scenario ended
	before  float64 // references: req/s at the start and the end of the run
	after   float64
}

func single(name string, k kind, t target) scenario {
	return scenario{name: name, kinds: []kind{k}, target: t}
}

func withShare(k kind, share int) kind {
	k.share = share
	return k
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

// errnoOf is the errno an answer starts with, "" for any other body.
func errnoOf(body []byte) string {
	rest, ok := bytes.CutPrefix(body, []byte(`{"errno":"`))
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(rest, '"'); i >= 0 && i <= 8 {
		return string(rest[:i])
	}
	return ""
}

func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 10 * time.Second}
}

// references are the two ceilings: the raw one (net/http, a page from
// memory, its own process) and the framework one (the server's own
// /api/health: routing and middlewares, no work).
func references(ceilAddr, base string) []scenario {
	fixed := func(u string) func(*rand.Rand) string { return func(*rand.Rand) string { return u } }
	return []scenario{
		{name: "raw ceiling: net/http, page from memory", ref: "raw", kinds: []kind{{next: get(fixed("http://" + ceilAddr + "/")), accept: httpOK}}},
		{name: "framework ceiling: GET /api/health on ihome", ref: "framework", kinds: []kind{{next: get(fixed(base + "/api/health")), accept: httpOK}}},
	}
}

// measure loads the references, the scenarios, then the references again
// (the machine's speed drifts during a run: the ratios use the mean of
// both), and returns the references' rows first.
func measure(client *http.Client, cfg config, refs, scenarios []scenario, pid int) ([]result, error) {
	var out []result
	for _, ref := range refs {
		step("load: %s", ref.name)
		r := load(client, cfg, ref)
		r.before = r.all.rps
		out = append(out, r)
	}
	for _, sc := range scenarios {
		step("load: %s", sc.name)
		r := load(client, cfg, sc)
		r.peakRSS = peakRSS(pid)
		out = append(out, r)
	}
	for i := range refs {
		step("load again: %s", refs[i].name)
		again := load(client, cfg, refs[i])
		r := &out[i]
		r.after = again.all.rps
		r.all = merge(r.all, again.all)
		r.all.rps = (r.before + r.after) / 2
	}
	for _, r := range out {
		if r.ref != "" && r.all.rps == 0 {
			return nil, fmt.Errorf("%s answered nothing", r.name)
		}
	}
	return out, nil
}

// merge adds b's counts to a's (the percentiles are a's: close enough for
// a reference row, whose throughput is what matters).
func merge(a, b stats) stats {
	a.requests += b.requests
	a.errors += b.errors
	for k, v := range b.errnos {
		a.errnos[k] += v
	}
	return a
}

// sample is one request's outcome.
type sample struct {
	kind    int
	latency time.Duration
}

// load runs the scenario's requests on cfg.conns connections for
// cfg.duration; an answer the scenario does not accept is an error.
func load(client *http.Client, cfg config, sc scenario) result {
	weights := 0
	var pickKind []int // kind index by weight unit
	for i, k := range sc.kinds {
		w := max(1, k.share)
		weights += w
		for range w {
			pickKind = append(pickKind, i)
		}
	}
	var mu sync.Mutex
	var samples []sample
	var shown atomic.Int64
	errs := make([]int64, len(sc.kinds))
	errnos := make([]map[string]int64, len(sc.kinds))
	for i := range errnos {
		errnos[i] = map[string]int64{}
	}
	deadline := time.Now().Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range cfg.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			local := make([]sample, 0, 4096)
			localErrs := make([]int64, len(sc.kinds))
			localErrnos := make([]map[string]int64, len(sc.kinds))
			for i := range localErrnos {
				localErrnos[i] = map[string]int64{}
			}
			for time.Now().Before(deadline) {
				k := pickKind[r.IntN(weights)]
				req := sc.kinds[k].next(r)
				t0 := time.Now()
				res, err := client.Do(req)
				ok := false
				if err == nil {
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					ok = sc.kinds[k].accept(res.StatusCode, body)
					localErrnos[k][errnoOf(body)]++
					if !ok && shown.Add(1) <= 3 {
						step("  unexpected answer: HTTP %d %.200s", res.StatusCode, body)
					}
				} else if shown.Add(1) <= 3 {
					step("  request failed: %v", err)
				}
				local = append(local, sample{k, time.Since(t0)})
				if !ok {
					localErrs[k]++
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			for i := range errs {
				errs[i] += localErrs[i]
				for code, n := range localErrnos[i] {
					errnos[i][code] += n
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()

	of := func(keep func(sample) bool) stats {
		var lat []time.Duration
		for _, s := range samples {
			if keep(s) {
				lat = append(lat, s.latency)
			}
		}
		slices.Sort(lat)
		q := func(p float64) time.Duration {
			if len(lat) == 0 {
				return 0
			}
			return lat[int(float64(len(lat)-1)*p)]
		}
		return stats{requests: int64(len(lat)), rps: float64(len(lat)) / cfg.duration.Seconds(), p50: q(0.50), p99: q(0.99)}
	}
	res := result{scenario: sc, all: of(func(sample) bool { return true })}
	res.all.errnos = map[string]int64{}
	for i := range sc.kinds {
		k := of(func(s sample) bool { return s.kind == i })
		k.errors, k.errnos = errs[i], errnos[i]
		res.all.errors += errs[i]
		for code, n := range errnos[i] {
			res.all.errnos[code] += n
		}
		if len(sc.kinds) > 1 {
			res.kinds = append(res.kinds, k)
		}
	}
	return res
}

// soak runs a mix of the scenarios' kinds for cfg.soak, in 10 s slices,
// and prints after each slice the throughput, the server's resident memory
// and its open files: both must level off.
func soak(client *http.Client, cfg config, scenarios []scenario, pid int) error {
	var mix []kind
	for _, sc := range scenarios {
		for _, k := range sc.kinds {
			mix = append(mix, kind{next: k.next, accept: func(status int, _ []byte) bool { return status == http.StatusOK }})
		}
	}
	slice := cfg
	slice.duration = 10 * time.Second
	fmt.Printf("\nsoak: %s of mixed traffic (%d connections)\n\n", cfg.soak, cfg.conns)
	fmt.Println("| elapsed | req/s | errors | RSS | peak RSS | open files |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	for elapsed := time.Duration(0); elapsed < cfg.soak; elapsed += slice.duration {
		r := load(client, slice, scenario{kinds: mix})
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		fmt.Printf("| %s | %.0f | %d | %d MB | %d MB | %d |\n", elapsed+slice.duration, r.all.rps, r.all.errors,
			procStatus(pid, "VmRSS:")>>20, procStatus(pid, "VmHWM:")>>20, len(fds))
	}
	return nil
}
