package modules_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/apptest"
)

// Every test here fires truly concurrent requests (one start barrier) and
// has "Concurrent" in its name: `make race` runs them under -race too.

// TestConcurrentWrongLoginsLockTheMobile: 20 wrong passwords for one mobile
// at the same moment, from 20 addresses. The lock-out counts before it
// checks, so no more than the allowed 5 are even tried, and afterwards the
// right password is refused too.
func TestConcurrentWrongLoginsLockTheMobile(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)
	app.CreateUser(apptest.Mobile(1))
	mobile := apptest.Mobile(1)

	clients := make([]*apptest.Client, 20)
	for i := range clients {
		clients[i] = app.Client()
		clients[i].IP = fmt.Sprintf("10.9.0.%d", i+1)
		clients[i].Get("/api/v1.0/session") // the CSRF cookie, before the barrier
	}
	rs := apptest.Fire(len(clients), func(i int) *apptest.Response {
		return clients[i].Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": "wrong-password"})
	})
	got := tally(rs)
	if got["4106"] != 5 || got["4201"] != 15 || len(got) != 2 {
		t.Fatalf("answers %v, want 5×4106 (tried) and 15×4201 (locked)", got)
	}

	late := app.Client()
	late.IP = "10.9.1.1" // an address that has never failed
	late.Post("/api/v1.0/session", map[string]any{"mobile": mobile, "password": apptest.DefaultPassword}).
		Expect(t, http.StatusOK, "4201")
	if late.Cookie("session") != "" {
		t.Fatal("a locked-out login got a session")
	}
}

// TestConcurrentSMSSendsToOneMobile: ten SMS requests for one mobile, each
// with its own valid captcha and address, at once: the resend throttle lets
// exactly one message out.
func TestConcurrentSMSSendsToOneMobile(t *testing.T) {
	app := apptest.New(t)
	mobile := apptest.Mobile(50)
	const n = 10
	clients := make([]*apptest.Client, n)
	codes := make([]string, n)
	for i := range n {
		clients[i] = app.Client()
		clients[i].IP = fmt.Sprintf("10.8.0.%d", i+1)
		codes[i] = captcha(t, app, clients[i], fmt.Sprintf("race-sms-%d", i))
	}
	rs := apptest.Fire(n, func(i int) *apptest.Response {
		return clients[i].Post("/api/v1.0/smscode/", map[string]any{
			"mobile": mobile, "image_code_id": fmt.Sprintf("race-sms-%d", i), "image_code": codes[i],
		})
	})
	if got := tally(rs); got["0"] != 1 || got["4201"] != n-1 {
		t.Fatalf("answers %v, want one 0 and %d×4201", got, n-1)
	}
	if sent := app.Count("SELECT count(*) FROM sms_outbox WHERE mobile = '" + mobile + "'"); sent != 1 {
		t.Fatalf("%d messages in sms_outbox, want 1", sent)
	}
	if live := app.Count("SELECT count(*) FROM sms_codes WHERE mobile = '" + mobile + "'"); live != 1 {
		t.Fatalf("%d live codes, want 1", live)
	}
}

// TestConcurrentReuseOfOneCaptcha: one captcha, right answer, sent by ten
// requests at once (other mobiles, other addresses, so no throttle
// interferes): it is single-use, so exactly one gets past it.
func TestConcurrentReuseOfOneCaptcha(t *testing.T) {
	app := apptest.New(t)
	owner := app.Client()
	code := captcha(t, app, owner, "race-one-captcha")
	const n = 10
	clients := make([]*apptest.Client, n)
	for i := range n {
		clients[i] = app.Client()
		clients[i].IP = fmt.Sprintf("10.7.0.%d", i+1)
		clients[i].Get("/api/v1.0/session")
	}
	rs := apptest.Fire(n, func(i int) *apptest.Response {
		return clients[i].Post("/api/v1.0/smscode/", map[string]any{
			"mobile": apptest.Mobile(60 + i), "image_code_id": "race-one-captcha", "image_code": code,
		})
	})
	got := tally(rs)
	if got["0"] != 1 || got["0"]+got["4002"]+got["4004"] != n {
		t.Fatalf("answers %v, want exactly one 0, the rest 4002/4004", got)
	}
	if sent := app.Count("SELECT count(*) FROM sms_outbox"); sent != 1 {
		t.Fatalf("%d messages sent on one captcha", sent)
	}
	if left := app.Count("SELECT count(*) FROM captchas WHERE key = 'race-one-captcha'"); left != 0 {
		t.Fatal("the captcha survived its use")
	}
}

// TestConcurrentAcceptAndCancel: the landlord accepts while the guest
// cancels the same waiting order; exactly one of them wins, the other
// gets 4004, and the stored status is the winner's. Ten rounds race freely;
// then each order of arrival is forced once: the first request is held
// inside its transaction until the second is queued behind it for the
// writer connection, and the first must win.
func TestConcurrentAcceptAndCancel(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)
	landlord, lc := app.NewUser(1)
	app.Verify(landlord, 1)
	guest, gc := app.NewUser(2)
	h := app.CreateHouse(landlord, nil)
	actions := []struct {
		client *apptest.Client
		body   func(id string) map[string]any
		status string
	}{
		{lc, func(id string) map[string]any { return map[string]any{"action": "accept", "order_id": id} }, "WAIT_COMMENT"},
		{gc, func(id string) map[string]any { return map[string]any{"action": "cancel", "order_id": id} }, "CANCELED"},
	}

	// hold, when set, pauses the first order save of a round (inside its
	// transaction) until released
	type holdPoint struct {
		once              sync.Once
		entered, released chan struct{}
	}
	var mu sync.Mutex
	var hold *holdPoint
	app.OnRecordUpdate("orders").Bind(&hook.Handler[*core.RecordEvent]{
		Id: "test.hold-first-answer",
		Func: func(e *core.RecordEvent) error {
			mu.Lock()
			p := hold
			mu.Unlock()
			if p != nil {
				p.once.Do(func() {
					close(p.entered)
					<-p.released
				})
			}
			return e.Next()
		},
	})

	day := 5
	round := func(name string, first int) {
		t.Helper()
		day += 2
		o := app.CreateOrder(h, guest, app.Today(day), app.Today(day), "WAIT_ACCEPT")
		var rs []*apptest.Response
		if first < 0 {
			rs = apptest.Fire(2, func(i int) *apptest.Response { return actions[i].client.Put("/api/v1.0/orders", actions[i].body(o.Id)) })
		} else {
			p := &holdPoint{entered: make(chan struct{}), released: make(chan struct{})}
			mu.Lock()
			hold = p
			mu.Unlock()
			rs = make([]*apptest.Response, 2)
			done := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
			send := func(i int) {
				defer close(done[i])
				rs[i] = actions[i].client.Put("/api/v1.0/orders", actions[i].body(o.Id))
			}
			go send(first)
			select {
			case <-p.entered:
			case <-done[first]:
				close(p.released)
				t.Fatalf("%s: the first request ended before it saved: %s", name, rs[first].Body)
			}
			waits := app.WriterWaits()
			go send(1 - first)
			queued := app.AwaitWriterWait(waits, done[1-first])
			close(p.released)
			<-done[0]
			<-done[1]
			mu.Lock()
			hold = nil
			mu.Unlock()
			if !queued {
				t.Fatalf("%s: the second request ended without waiting for the first: %s", name, rs[1-first].Body)
			}
		}
		got := tally(rs)
		if got["0"] != 1 || got["4004"] != 1 {
			t.Fatalf("%s: answers %v, want one 0 and one 4004", name, got)
		}
		winner := 0
		if rs[1].Errno == "0" {
			winner = 1
		}
		if first >= 0 && winner != first {
			t.Fatalf("%s: the request that came second won", name)
		}
		stored, err := app.FindRecordById("orders", o.Id)
		if err != nil {
			t.Fatal(err)
		}
		if s := stored.GetString("status"); s != actions[winner].status {
			t.Fatalf("%s: status %s, but the winner set %s", name, s, actions[winner].status)
		}
	}
	for i := range 10 {
		round(fmt.Sprintf("free round %d", i), -1)
	}
	round("accept first", 0)
	round("cancel first", 1)
}

// TestConcurrentReviewsOfOneOrder: the guest sends ten reviews of one stay
// at once: one is taken, the others get 4004, the house's order_count
// rises by exactly one and the stored comment is the winner's.
func TestConcurrentReviewsOfOneOrder(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)
	landlord := app.CreateUser(apptest.Mobile(1))
	app.Verify(landlord, 1)
	guest, gc := app.NewUser(2)
	h := app.CreateHouse(landlord, map[string]any{"order_count": 7})
	o := app.CreateOrder(h, guest, app.Today(1), app.Today(2), "WAIT_COMMENT")

	const n = 10
	rs := apptest.Fire(n, func(i int) *apptest.Response {
		return gc.Put("/api/v1.0/orders/comment", map[string]any{"order_id": o.Id, "comment": fmt.Sprintf("review %d", i)})
	})
	got := tally(rs)
	if got["0"] != 1 || got["4004"] != n-1 {
		t.Fatalf("answers %v, want one 0 and %d×4004", got, n-1)
	}
	winner := -1
	for i, r := range rs {
		if r.Errno == "0" {
			winner = i
		}
	}
	var count int
	if err := app.DB().Select("order_count").From("houses").Where(dbx.HashExp{"id": h.Id}).Row(&count); err != nil {
		t.Fatal(err)
	}
	if count != 8 {
		t.Fatalf("order_count %d, want 7+1", count)
	}
	stored, err := app.FindRecordById("orders", o.Id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.GetString("status") != "COMPLETE" || stored.GetString("comment") != fmt.Sprintf("review %d", winner) {
		t.Fatalf("stored %s %q, winner was review %d", stored.GetString("status"), stored.GetString("comment"), winner)
	}
}
