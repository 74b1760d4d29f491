package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"ihome/internal/sms/smsfake"
)

// TestNotificationsSurviveKill9: bookings are acknowledged while the SMS
// vendor (Aliyun, a local fake that checks signatures and counts
// deliveries by idempotency key) throttles every message; the server is
// killed with SIGKILL with all of them pending. After a restart, with the
// vendor healthy, each is delivered once, and a third start sends none of
// them again.
func TestNotificationsSurviveKill9(t *testing.T) {
	bin, dir := seededCity(t, 40, 6, 0)
	fake := smsfake.NewAliyun(t)
	fake.Fail(smsfake.Throttled, -1)
	cfg := fake.Config()
	env := append(os.Environ(),
		"IHOME_SMS_PROVIDER=aliyun",
		"IHOME_SMS_ALIYUN_ACCESS_KEY_ID="+cfg.AccessKeyId,
		"IHOME_SMS_ALIYUN_ACCESS_KEY_SECRET="+cfg.AccessKeySecret,
		"IHOME_SMS_ALIYUN_SIGN_NAME="+cfg.SignName,
		"IHOME_SMS_ALIYUN_ENDPOINT="+cfg.Endpoint,
		"IHOME_NOTIFY_QUIET_HOURS=off",
		"IHOME_NOTIFY_RETRY_BASE=200ms",
		"IHOME_NOTIFY_RETRY_MAX=400ms",
		"IHOME_NOTIFY_MAX_ATTEMPTS=1000",
	)
	for name, id := range cfg.Templates {
		env = append(env, "IHOME_SMS_ALIYUN_TEMPLATE_"+strings.ToUpper(name)+"="+id)
	}
	// stop ends the server gracefully: a message the vendor took is
	// recorded SENT first (killed in that instant, it would be sent again:
	// at least once)
	stop := func(server *exec.Cmd) {
		t.Helper()
		if err := server.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if err := server.Wait(); err != nil {
			t.Errorf("graceful stop: %v", err)
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	book := func(base, token string, house, day int) {
		t.Helper()
		// three days: every seeded house takes stays of 1 to 2 days at least
		start := time.Now().AddDate(0, 0, day).Format("2006-01-02")
		end := time.Now().AddDate(0, 0, day+2).Format("2006-01-02")
		var res struct{ Errno, Errmsg string }
		body := fmt.Sprintf(`{"house_id":%d,"start_date":"%s","end_date":"%s"}`, house, start, end)
		if !call(client, http.MethodPost, base+"/api/v1.0/orders", token, body, &res) || res.Errno != "0" {
			t.Fatalf("booking house %d: %+v", house, res)
		}
	}

	// 1. six acknowledged bookings, each text message refused at least once
	server, base := serveCity(t, bin, dir, env)
	tokens, err := loginGuests(client, base, 21, 6) // guests: the landlords are the first fifth
	if err != nil {
		kill9(t, server)
		t.Fatal(err)
	}
	const booked = 6
	for i := range booked {
		book(base, tokens[i], 1+i, 10+i)
	}
	if !fake.Await(30*time.Second, func() bool { return len(fake.Refusals()) >= booked }) {
		kill9(t, server)
		t.Fatalf("the worker did not try: %d refusals", len(fake.Refusals()))
	}
	kill9(t, server)
	if n := len(fake.Deliveries()); n != 0 {
		t.Fatalf("%d delivered while throttled", n)
	}

	// 2. restart with the vendor back: every message arrives
	fake.Fail(smsfake.OK, 0)
	server, _ = serveCity(t, bin, dir, env)
	if !fake.Await(30*time.Second, func() bool { return len(fake.Deliveries()) >= booked }) {
		kill9(t, server)
		t.Fatalf("after the restart: %d of %d delivered", len(fake.Deliveries()), booked)
	}
	stop(server)

	// 3. a third start, and one more booking: its message goes out after
	// the start's pass, which must not send the others again
	server, base = serveCity(t, bin, dir, env)
	tokens, err = loginGuests(client, base, 27, 1)
	if err != nil {
		kill9(t, server)
		t.Fatal(err)
	}
	book(base, tokens[0], 1, 40)
	if !fake.Await(30*time.Second, func() bool { return len(fake.Deliveries()) >= booked+1 }) {
		kill9(t, server)
		t.Fatalf("after the third start: %d delivered, want %d", len(fake.Deliveries()), booked+1)
	}
	stop(server)

	db, err := dbx.Open("sqlite", filepath.Join(dir, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []struct {
		Key      string `db:"key"`
		State    string `db:"state"`
		Attempts int    `db:"attempts"`
	}
	if err := db.NewQuery("SELECT key, state, attempts FROM notify_outbox").All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != booked+1 {
		t.Fatalf("%d outbox rows, want %d (one per booking)", len(rows), booked+1)
	}
	retried := 0
	for _, r := range rows {
		if r.State != "SENT" || fake.Count(r.Key) != 1 {
			t.Errorf("message %s: %s, delivered %d times", r.Key, r.State, fake.Count(r.Key))
		}
		if r.Attempts > 1 {
			retried++
		}
	}
	if retried < booked {
		t.Errorf("%d messages show their failed attempts, want %d", retried, booked)
	}
	if n := len(fake.Deliveries()); n != booked+1 {
		t.Errorf("%d deliveries in all, want %d", n, booked+1)
	}
}
