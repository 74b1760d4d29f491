package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite"
)

// server is a running `ihome serve` and how fast it came up.
type server struct {
	cmd         *exec.Cmd
	base        string
	healthy     time.Duration // from exec to the first 200 of /api/health
	firstSearch time.Duration // from exec to the first answer 0 of a search
}

// startServer starts `ihome serve` on dir and times it: to healthy, then
// (at once) to the answer of one unique search, which is computed, never
// remembered: the time a user waits after a restart.
func startServer(bin, dir, addr string, unique *uniqueSearches) (*server, error) {
	s := &server{base: "http://" + addr}
	s.cmd = exec.Command(bin, "serve", "--http", addr, "--dir", dir)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	// 200 guests book thousands of orders a minute: lift the cap on a
	// guest's unanswered orders (API.md §1.7, 5 by default; still checked
	// on every booking) so that bookings measure the write, not a refusal
	s.cmd.Env = append(os.Environ(), "IHOME_MAX_OPEN_ORDERS=1000000000")
	started := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitHealthy(s.base); err != nil {
		s.kill()
		return nil, err
	}
	s.healthy = time.Since(started)
	probe := &http.Client{Timeout: 60 * time.Second}
	url := unique.next()
	for {
		res, err := probe.Get(url)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if errnoIs("0")(res.StatusCode, body) {
				break
			}
			err = fmt.Errorf("HTTP %d %.200s", res.StatusCode, body)
		}
		if time.Since(started) > 60*time.Second {
			s.kill()
			return nil, fmt.Errorf("first search %s: %v", url, err)
		}
		time.Sleep(time.Millisecond)
	}
	s.firstSearch = time.Since(started)
	return s, nil
}

// restartServer starts the server, stops it once it has answered a search
// (the first start of a data dir does one-off work: migrations, the
// auxiliary database), and starts it again: the second start is measured.
func restartServer(bin, dir, addr string, unique *uniqueSearches) (*server, error) {
	first, err := startServer(bin, dir, addr, unique)
	if err != nil {
		return nil, err
	}
	step("first start: healthy in %s, first search in %s", ms(first.healthy), ms(first.firstSearch))
	if err := first.stop(); err != nil {
		return nil, err
	}
	s, err := startServer(bin, dir, addr, unique)
	if err != nil {
		return nil, err
	}
	step("restart: healthy in %s, first search in %s", ms(s.healthy), ms(s.firstSearch))
	return s, nil
}

// stop interrupts the server and waits for it to exit (killing it after
// 30 s).
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		<-done
		return errors.New("the server did not stop within 30 s of SIGINT")
	}
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
	}
}

// ceiling is the raw-ceiling process (this program with -ceiling-addr).
type ceiling struct {
	*exec.Cmd
	addr string
}

func startCeiling(pageSize int) (*ceiling, error) {
	c := &ceiling{addr: freeAddr()}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c.Cmd = exec.Command(self, "-ceiling-addr", c.addr, "-ceiling-size", strconv.Itoa(pageSize))
	if err := c.Start(); err != nil {
		return nil, err
	}
	if err := waitHealthy("http://" + c.addr); err != nil {
		c.Process.Kill()
		return nil, err
	}
	return c, nil
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHealthy polls base's /api/health every millisecond for up to 30 s.
func waitHealthy(base string) error {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := client.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(time.Millisecond)
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

// checkOverlaps counts, with SQL over the whole orders table, the pairs of
// occupying orders of one house whose dates overlap (there must be none).
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
