package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/apptest"
)

// seededCity builds the binary and seeds a data dir with a small city
// (no pictures) for a kill -9 test: the binary and the dir.
func seededCity(t *testing.T, users, houses, orders int) (bin, dir string) {
	t.Helper()
	bin, dir = apptest.Binary(t), t.TempDir()
	if out, err := exec.Command(bin, "seed", "--dir", dir, "--users", fmt.Sprint(users), "--houses", fmt.Sprint(houses),
		"--orders", fmt.Sprint(orders), "--pictures", "0").CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	return bin, dir
}

// TestCrashUnderLoad kills the server with SIGKILL in the middle of
// concurrent bookings and reviews, three times, and checks after each
// restart that every acknowledged write is there and the data is
// consistent.
// serveCity runs `ihome serve` on dir, with env (nil: this process's),
// and waits until it answers /api/health; base is its URL.
func serveCity(t *testing.T, bin, dir string, env []string) (server *exec.Cmd, base string) {
	t.Helper()
	addr := freeAddr()
	server = exec.Command(bin, "serve", "--http", addr, "--dir", dir)
	server.Env = env
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	base = "http://" + addr
	if err := waitHealthy(base); err != nil {
		_ = server.Process.Kill()
		t.Fatalf("serve %s: %v", dir, err)
	}
	return server, base
}

// kill9 ends server with SIGKILL (no graceful shutdown) and reaps it.
func kill9(t *testing.T, server *exec.Cmd) {
	t.Helper()
	if err := server.Process.Kill(); err != nil {
		t.Error(err)
	}
	_ = server.Wait()
}

func TestCrashUnderLoad(t *testing.T) {
	bin, dir := seededCity(t, 100, 200, 2000)
	client := &http.Client{Timeout: 5 * time.Second}
	var booked, reviewed []int64 // acknowledged with errno 0 before a kill
	for round := range 3 {
		server, base := serveCity(t, bin, dir, nil)
		tokens, err := loginGuests(client, base, 21, 40)
		if err != nil {
			server.Process.Kill()
			t.Fatal(err)
		}

		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
				token := tokens[w%len(tokens)]
				for {
					select {
					case <-stop:
						return
					default:
					}
					if w%4 == 0 {
						if id, ok := reviewOne(client, base, token); ok {
							mu.Lock()
							reviewed = append(reviewed, id)
							mu.Unlock()
						}
						continue
					}
					start := time.Now().AddDate(0, 0, 1+rng.IntN(90)).Format("2006-01-02")
					body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, 1+rng.IntN(200), start, start)
					var env struct {
						Errno string
						Data  struct {
							OrderId int64 `json:"order_id"`
						}
					}
					if call(client, http.MethodPost, base+"/api/v1.0/orders", token, body, &env) && env.Errno == "0" {
						mu.Lock()
						booked = append(booked, env.Data.OrderId)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(300+rand.IntN(500)) * time.Millisecond)
		kill9(t, server)
		close(stop)
		wg.Wait()
		verifyAfterCrash(t, dir, booked, reviewed)
	}
	t.Logf("%d acknowledged bookings and %d reviews survived 3 kills", len(booked), len(reviewed))
	if len(booked) == 0 || len(reviewed) == 0 {
		t.Fatalf("the load did nothing: %d bookings, %d reviews", len(booked), len(reviewed))
	}
}

// reviewOne reviews one of the guest's stays waiting for a review.
func reviewOne(client *http.Client, base, token string) (int64, bool) {
	var list struct {
		Data struct {
			Orders []struct {
				OrderId int64  `json:"order_id"`
				Status  string `json:"status"`
			} `json:"orders"`
		}
	}
	if !call(client, http.MethodGet, base+"/api/v1.0/orders?role=custom", token, "", &list) {
		return 0, false
	}
	for _, o := range list.Data.Orders {
		if o.Status == "WAIT_COMMENT" {
			var env struct{ Errno string }
			body := fmt.Sprintf(`{"order_id":%d,"comment":"住得很好"}`, o.OrderId)
			if call(client, http.MethodPut, base+"/api/v1.0/orders/comment", token, body, &env) && env.Errno == "0" {
				return o.OrderId, true
			}
			return 0, false
		}
	}
	return 0, false
}

func call(client *http.Client, method, url, token, body string, out any) bool {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return false // the server died under us: not acknowledged
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out) == nil
}

func verifyAfterCrash(t *testing.T, dir string, booked, reviewed []int64) {
	t.Helper()
	db, err := dbx.Open("sqlite", filepath.Join(dir, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(sql string, args dbx.Params) int {
		var n int
		if err := db.NewQuery(sql).Bind(args).Row(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	for _, id := range booked {
		if count("SELECT count(*) FROM orders WHERE id = {:id}", dbx.Params{"id": fmt.Sprint(id)}) != 1 {
			t.Fatalf("acknowledged booking %d is lost", id)
		}
	}
	for _, id := range reviewed {
		if count("SELECT count(*) FROM orders WHERE id = {:id} AND status = 'COMPLETE'", dbx.Params{"id": fmt.Sprint(id)}) != 1 {
			t.Fatalf("acknowledged review of order %d is lost", id)
		}
	}
	if n := count(`SELECT count(*) FROM orders a JOIN orders b ON a.house = b.house AND a.id < b.id
		AND a.start_date <= b.end_date AND b.start_date <= a.end_date
		WHERE a.status NOT IN ('CANCELED','REJECTED') AND b.status NOT IN ('CANCELED','REJECTED')`, nil); n != 0 {
		t.Fatalf("%d overlapping occupying pairs after the crash", n)
	}
	if n := count(`SELECT count(*) FROM houses h WHERE h.order_count !=
		(SELECT count(*) FROM orders o WHERE o.house = h.id AND o.status = 'COMPLETE')`, nil); n != 0 {
		t.Fatalf("%d houses whose order_count disagrees with their completed orders", n)
	}
}
