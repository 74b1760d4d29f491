package offsite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/apptest"
	"ihome/internal/s3fake"
	"ihome/modules/house"
	"ihome/modules/order"
)

// The drill's replication: files and the replica in one bucket.
const (
	drillBucket   = "ihome"
	drillInterval = time.Second // the default sync interval
)

// TestRestoreDrill is the disaster the replication is for: guests book
// while data.db is replicated, the server is killed (SIGKILL), its data
// dir deleted, `ihome restore` brings it back from the replica and the
// server starts again. Every order acknowledged more than one sync
// interval before the kill must be there, the database intact, search in
// agreement with the orders table, the landlord's avatar served from the
// bucket and sessions valid; the orders lost inside the last interval
// are the measured recovery point. Then the restored server books on,
// stops gracefully, and a second restore finds everything: replication
// resumed after the restore and a graceful stop loses nothing.
//
// IHOME_DRILL_CITY=bench runs it on the bench city (10,000 houses,
// 100,000 orders) to measure restore times for docs/SCALING.md.
func TestRestoreDrill(t *testing.T) {
	bin := apptest.Binary(t)
	store := s3fake.New(t, drillBucket)
	dir := filepath.Join(t.TempDir(), "pb_data")
	seedArgs := []string{"seed", "--dir", dir, "--users", "60", "--houses", "100", "--orders", "500", "--pictures", "0"}
	if os.Getenv("IHOME_DRILL_CITY") == "bench" {
		seedArgs = []string{"seed", "--dir", dir, "--pictures", "0"}
	}
	if out, err := exec.Command(bin, seedArgs...).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	// guests book freely: the drill measures the replication, not the
	// limit on open orders
	env := append(drillEnv(store, ""), "IHOME_MAX_OPEN_ORDERS=1000000")

	srv := startServer(t, bin, dir, env)
	client := &http.Client{Timeout: 10 * time.Second}
	landlord := login(t, client, srv.base, 1) // the first fifth are verified landlords
	avatarURL := uploadAvatar(t, client, srv.base, landlord)
	var guests []string
	for i := 21; i < 29; i++ {
		guests = append(guests, login(t, client, srv.base, i))
	}

	// book until the kill
	type ack struct {
		id       string
		sent, at time.Time
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w, token := range guests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(7, uint64(w)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				day := time.Now().AddDate(0, 0, 1+rng.IntN(30)).Format(time.DateOnly)
				body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, 1+rng.IntN(100), day, day)
				var env struct {
					Errno string
					Data  struct {
						OrderId int64 `json:"order_id"`
					}
				}
				sent := time.Now()
				if call(client, http.MethodPost, srv.base+"/api/v1.0/orders", token, body, &env) && env.Errno == "0" {
					at := time.Now()
					mu.Lock()
					acked = append(acked, ack{fmt.Sprint(env.Data.OrderId), sent, at})
					mu.Unlock()
				}
			}
		}()
	}
	bookingFrom := time.Now()
	time.Sleep(3*drillInterval + time.Duration(rand.IntN(500))*time.Millisecond)
	killedAt := time.Now()
	srv.kill(t)
	close(stop)
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d bookings acknowledged before the kill", len(acked))
	}
	sort.Slice(acked, func(i, j int) bool { return acked[i].at.Before(acked[j].at) })
	var pause time.Duration
	for i := 1; i < len(acked); i++ {
		pause = max(pause, acked[i].at.Sub(acked[i-1].at))
	}
	t.Logf("bookings: %d acknowledged in %s, the last %s before the kill; longest pause between two %s",
		len(acked), killedAt.Sub(bookingFrom).Round(time.Millisecond), killedAt.Sub(acked[len(acked)-1].at).Round(time.Millisecond), pause.Round(time.Millisecond))

	// the machine is gone: so is its disk
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	restoreStart := time.Now()
	out, err := run(bin, env, "restore", "--dir", dir)
	restoreTook := time.Since(restoreStart)
	if err != nil {
		t.Fatalf("ihome restore: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "session.key") {
		t.Errorf("the session key was not restored: %s", out)
	}
	if out, err := run(bin, env, "restore", "--dir", dir); err == nil || !strings.Contains(string(out), "already has a data.db") {
		t.Errorf("a restore over a restored data dir: %v\n%s", err, out)
	}

	// to a point in time: what was acknowledged an interval before it is
	// there, what was sent after it is not
	pointInTime := bookingFrom.Add(3 * drillInterval / 2)
	pitrDir := filepath.Join(t.TempDir(), "pb_data")
	if out, err := run(bin, env, "restore", "--dir", pitrDir, "--at", pointInTime.Format(time.RFC3339Nano)); err != nil {
		t.Fatalf("ihome restore --at: %v\n%s", err, out)
	}
	pitr := openDB(t, pitrDir)
	for _, a := range acked {
		var n int
		if err := pitr.NewQuery("SELECT count(*) FROM " + order.Collection + " WHERE id = {:id}").Bind(dbx.Params{"id": a.id}).Row(&n); err != nil {
			t.Fatal(err)
		}
		if a.at.Before(pointInTime.Add(-drillInterval)) && n != 1 {
			t.Errorf("restore --at: order %s, acknowledged %s before the point, is missing", a.id, pointInTime.Sub(a.at).Round(time.Millisecond))
		}
		if a.sent.After(pointInTime) && n != 0 {
			t.Errorf("restore --at: order %s, sent %s after the point, is there", a.id, a.sent.Sub(pointInTime).Round(time.Millisecond))
		}
	}
	pitr.Close()

	db := openDB(t, dir)
	var integrity string
	if err := db.NewQuery("PRAGMA integrity_check").Row(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	present := map[string]bool{}
	var ids []string
	if err := db.Select("id").From(order.Collection).Column(&ids); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		present[id] = true
	}
	var lost []time.Duration // how long before the kill each lost order was acknowledged
	for _, a := range acked {
		if present[a.id] {
			continue
		}
		age := killedAt.Sub(a.at)
		if age > drillInterval {
			t.Errorf("order %s, acknowledged %s before the kill, is lost", a.id, age.Round(time.Millisecond))
		}
		lost = append(lost, age)
	}
	slices.Sort(lost)
	inLast := 0
	for _, a := range acked {
		if killedAt.Sub(a.at) <= drillInterval {
			inLast++
		}
	}
	oldest := time.Duration(0)
	if len(lost) > 0 {
		oldest = lost[len(lost)-1]
	}
	t.Logf("recovery point: %d of %d acknowledged orders lost, all of the last %s (%d acknowledged in it); the oldest lost was acknowledged %s before the kill",
		len(lost), len(acked), drillInterval, inLast, oldest.Round(time.Millisecond))
	db.Close()

	startAt := time.Now()
	srv = startServer(t, bin, dir, env)
	t.Logf("recovery time: restore %s (%s), start to healthy %s; data.db %d KiB",
		restoreTook.Round(time.Millisecond), strings.TrimSpace(string(out)), time.Since(startAt).Round(time.Millisecond), fileSize(t, filepath.Join(dir, "data.db"))>>10)

	// the files and the sessions outlived the disk
	if r, err := client.Get(srv.base + avatarURL); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("avatar %s after the restore: %v %v", avatarURL, r, err)
	} else {
		r.Body.Close()
	}
	var me struct{ Errno string }
	if !call(client, http.MethodGet, srv.base+"/api/v1.0/user", landlord, "", &me) || me.Errno != "0" {
		t.Errorf("the landlord's session after the restore: %+v", me)
	}
	checkSearch(t, client, srv.base, dir)

	// book on, stop gracefully, restore elsewhere: nothing is lost
	var after []string
	for i, token := range guests {
		day := time.Now().AddDate(0, 0, 40+i).Format(time.DateOnly)
		for h := 1; h <= 100 && len(after) == i; h++ { // the first house free that day
			var env struct {
				Errno string
				Data  struct {
					OrderId int64 `json:"order_id"`
				}
			}
			body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, h, day, day)
			if !call(client, http.MethodPost, srv.base+"/api/v1.0/orders", token, body, &env) {
				t.Fatal("booking after the restore: no answer")
			}
			if env.Errno == "0" {
				after = append(after, fmt.Sprint(env.Data.OrderId))
			}
		}
	}
	if len(after) != len(guests) {
		t.Fatalf("%d of %d bookings after the restore acknowledged", len(after), len(guests))
	}
	srv.stop(t)
	dir2 := filepath.Join(t.TempDir(), "pb_data")
	if out, err := run(bin, env, "restore", "--dir", dir2); err != nil {
		t.Fatalf("second restore: %v\n%s", err, out)
	}
	db2 := openDB(t, dir2)
	defer db2.Close()
	for _, id := range append(after, ids...) {
		var n int
		if err := db2.NewQuery("SELECT count(*) FROM " + order.Collection + " WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&n); err != nil || n != 1 {
			t.Fatalf("order %s is not in the second restore (%v)", id, err)
		}
	}
	if store.Refused() != 0 {
		t.Errorf("the store refused %d requests", store.Refused())
	}
}

// TestStartRefusesABadStore: a half-configured store, or keys the store
// refuses, stop the server's start with a message that says which.
func TestStartRefusesABadStore(t *testing.T) {
	bin := apptest.Binary(t)
	store := s3fake.New(t, drillBucket)
	for _, c := range []struct {
		name string
		env  []string
		want []string
	}{
		{"bucket without keys", []string{"IHOME_S3_ENDPOINT=" + store.URL, "IHOME_S3_REGION=" + s3fake.Region, "IHOME_S3_BUCKET=" + drillBucket},
			[]string{"--s3-access-key (IHOME_S3_ACCESS_KEY) is empty", "--s3-secret (IHOME_S3_SECRET) is empty"}},
		{"wrong secret", drillEnv(store, "not-the-secret"), []string{"--s3-bucket ihome at " + store.URL, "SignatureDoesNotMatch"}},
		{"replica bucket missing", append(drillEnv(store, ""), "IHOME_S3_BUCKET=", "IHOME_REPLICA_BUCKET=nobucket"), []string{"replica store s3://nobucket/ihome/data.db", "NoSuchBucket"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "serve", "--http", freeAddr(t), "--dir", dir)
			cmd.Env = append(os.Environ(), c.env...)
			out, err := cmd.CombinedOutput()
			if err == nil || ctx.Err() != nil {
				t.Fatalf("the server started (or hung): %v\n%s", err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the start-up message lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// drillEnv configures files and replica in the fake store; secret
// overrides the store's.
func drillEnv(store *s3fake.Server, secret string) []string {
	if secret == "" {
		secret = s3fake.SecretKey
	}
	return []string{
		"IHOME_S3_ENDPOINT=" + store.URL, "IHOME_S3_REGION=" + s3fake.Region,
		"IHOME_S3_ACCESS_KEY=" + s3fake.AccessKey, "IHOME_S3_SECRET=" + secret, "IHOME_S3_PATH_STYLE=true",
		"IHOME_S3_BUCKET=" + drillBucket, "IHOME_REPLICA_BUCKET=" + drillBucket,
		"IHOME_REPLICA_SYNC_INTERVAL=" + drillInterval.String(),
		// set on many machines (CI's too); the AWS SDK refused to load
		// with it under Litestream's HTTP client
		"AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
	}
}

// run runs the binary with env added to the environment.
func run(bin string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

type server struct {
	cmd  *exec.Cmd
	base string
	out  *bytes.Buffer
}

// startServer runs `ihome serve` on dir with the environment env added
// (the process reads it as a deployment would) and waits until healthy.
func startServer(t *testing.T, bin, dir string, env []string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{cmd: exec.Command(bin, "serve", "--http", addr, "--dir", dir), base: "http://" + addr, out: &bytes.Buffer{}}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(s.base + "/api/health"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	t.Fatalf("the server never became healthy:\n%s", s.out)
	return nil
}

// kill ends the server with SIGKILL: no graceful shutdown, no last sync.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

// stop ends the server with SIGTERM and waits for its graceful exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, s.out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// login signs seeded user n in (password-1) and returns a bearer token.
func login(t *testing.T, client *http.Client, base string, n int) string {
	t.Helper()
	const csrf = "drill-csrf-token-0123456789abcdef"
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1.0/session",
		strings.NewReader(fmt.Sprintf(`{"mobile":"138%08d","password":"password-1"}`, n)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "csrf_token="+csrf)
	req.Header.Set("X-CSRFToken", csrf)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Errno string
		Data  struct{ Token string }
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || env.Errno != "0" || env.Data.Token == "" {
		t.Fatalf("login %d: %v %+v", n, err, env)
	}
	return env.Data.Token
}

func uploadAvatar(t *testing.T, client *http.Client, base, token string) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("avatar", "me.png")
	part.Write(apptest.PNG(t, 30, 30))
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1.0/user/avatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Errno string
		Data  struct {
			URL string `json:"avatar_url"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || env.Errno != "0" || env.Data.URL == "" {
		t.Fatalf("avatar upload: %v %+v", err, env)
	}
	return env.Data.URL
}

func call(client *http.Client, method, url, token, body string, out any) bool {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return false // the server died under us: not acknowledged
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out) == nil
}

func openDB(t *testing.T, dir string) *dbx.DB {
	t.Helper()
	db, err := dbx.Open("sqlite", filepath.Join(dir, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// checkSearch compares, for a few of the booked days, the houses search
// answers (every page) with the houses the orders table leaves free.
func checkSearch(t *testing.T, client *http.Client, base, dir string) {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	for _, offset := range []int{1, 7, 15, 30} {
		day := time.Now().AddDate(0, 0, offset).Format(time.DateOnly)
		var free []int64
		err := db.NewQuery(fmt.Sprintf(`SELECT CAST(id AS INTEGER) FROM %[7]s WHERE NOT %[8]s AND id NOT IN
			(SELECT %[1]s FROM %[2]s WHERE %[3]s IN (%[4]s) AND %[5]s <= {:d} AND %[6]s >= {:d})`,
			order.FieldHouse, order.Collection, order.FieldStatus, order.OccupyingSQL(), order.FieldStartDate, order.FieldEndDate,
			house.Collection, house.FieldHidden)).
			Bind(dbx.Params{"d": day}).Column(&free)
		if err != nil {
			t.Fatal(err)
		}
		var found []int64
		for p := 1; ; p++ {
			var env struct {
				Errno string
				Data  struct {
					Houses []struct {
						HouseId int64 `json:"house_id"`
					} `json:"houses"`
					TotalPage int `json:"total_page"`
				}
			}
			url := fmt.Sprintf("%s/api/v1.0/houses?sd=%s&ed=%s&p=%d", base, day, day, p)
			if !call(client, http.MethodGet, url, "", "", &env) || env.Errno != "0" {
				t.Fatalf("search %s: %+v", url, env)
			}
			for _, h := range env.Data.Houses {
				found = append(found, h.HouseId)
			}
			if p >= env.Data.TotalPage {
				break
			}
		}
		sort.Slice(free, func(i, j int) bool { return free[i] < free[j] })
		sort.Slice(found, func(i, j int) bool { return found[i] < found[j] })
		if !slices.Equal(free, found) {
			t.Errorf("search for %s finds %d houses, the orders table leaves %d free", day, len(found), len(free))
		}
	}
}
