package modules_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

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
// gets 4004, and the stored status is the winner's. Ten rounds, so both
// orders of arrival get exercised.
func TestConcurrentAcceptAndCancel(t *testing.T) {
	app := apptest.New(t)
	cheapPasswords(t, app)
	landlord, lc := app.NewUser(1)
	app.Verify(landlord, 1)
	guest, gc := app.NewUser(2)
	h := app.CreateHouse(landlord, nil)

	winners := map[string]int{}
	for round := range 10 {
		day := app.Today(5 + 2*round)
		o := app.CreateOrder(h, guest, day, day, "WAIT_ACCEPT")
		rs := apptest.Fire(2, func(i int) *apptest.Response {
			if i == 0 {
				return lc.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": o.Id})
			}
			return gc.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": o.Id})
		})
		got := tally(rs)
		if got["0"] != 1 || got["4004"] != 1 {
			t.Fatalf("round %d: answers %v, want one 0 and one 4004", round, got)
		}
		want := "WAIT_COMMENT"
		if rs[1].Errno == "0" {
			want = "CANCELED"
		}
		stored, err := app.FindRecordById("orders", o.Id)
		if err != nil {
			t.Fatal(err)
		}
		if s := stored.GetString("status"); s != want {
			t.Fatalf("round %d: status %s, but the winner set %s", round, s, want)
		}
		winners[want]++
	}
	t.Logf("winners over 10 rounds: %v", winners)
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
