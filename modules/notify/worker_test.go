package notify_test

import (
	"strings"
	"testing"
	"time"

	"ihome/internal/sms"
	"ihome/internal/sms/smsfake"
	"ihome/modules"
	"ihome/modules/notify"
)

// TestWorkerRetriesAFailingVendorAndSendsOnceItRecovers: while the
// vendor throttles, each due pass makes one attempt and waits twice as
// long as before; once it recovers the message goes out once, under its
// idempotency key, and is not sent again.
func TestWorkerRetriesAFailingVendorAndSendsOnceItRecovers(t *testing.T) {
	s := newStage(t, func(c *modules.Config) { c.Notify.RetryBase = 30 * time.Second })
	s.fake.Fail(smsfake.Throttled, -1)
	id := orderId(t, s.book(s.guestC, 3, 4).OK(t))
	n := s.notes(t, s.landlord)[0]

	check := func(attempts int, state string, nextIn time.Duration) {
		t.Helper()
		ob := s.outbox(t, n)
		if ob.GetInt(notify.FieldAttempts) != attempts || ob.GetString(notify.FieldState) != state {
			t.Fatalf("attempts %d state %s, want %d %s (%v)", ob.GetInt(notify.FieldAttempts), ob.GetString(notify.FieldState), attempts, state, ob)
		}
		if nextIn > 0 {
			if got := ob.GetDateTime(notify.FieldNextTry).Time().Sub(s.app.Clock.Now()); got != nextIn {
				t.Fatalf("next try in %v, want %v", got, nextIn)
			}
			if e := ob.GetString(notify.FieldLastError); !strings.Contains(e, "isv.BUSINESS_LIMIT_CONTROL") || !strings.Contains(e, "throttled") {
				t.Fatalf("last_error %q", e)
			}
		}
	}
	s.deliver()
	check(1, notify.StatePending, 30*time.Second)
	s.deliver() // not due yet: no attempt
	check(1, notify.StatePending, 30*time.Second)
	s.app.Clock.Advance(30 * time.Second)
	s.deliver()
	check(2, notify.StatePending, 60*time.Second)
	if len(s.fake.Deliveries()) != 0 {
		t.Fatal("delivered while throttled")
	}

	s.fake.Fail(smsfake.OK, 0)
	s.app.Clock.Advance(60 * time.Second)
	s.deliver()
	check(3, notify.StateSent, 0)
	ob := s.outbox(t, n)
	if ob.GetString(notify.FieldLastError) != "" || ob.GetDateTime(notify.FieldSentAt).IsZero() || ob.GetString(notify.FieldProvider) != "aliyun" {
		t.Fatalf("sent row %v", ob)
	}
	d := s.fake.Deliveries()
	if len(d) != 1 || d[0].Key != ob.GetString(notify.FieldKey) || d[0].Template != sms.TemplateOrderNew ||
		d[0].Mobile != ob.GetString(notify.FieldMobile) || d[0].Params[sms.ParamOrder] != id {
		t.Fatalf("deliveries %+v", d)
	}
	s.app.Clock.Advance(2 * time.Hour)
	s.deliver()
	if n := s.fake.Count(ob.GetString(notify.FieldKey)); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

// TestWorkerGivesUp: a number the vendor refuses fails at once; other
// failures stop after MaxAttempts. The backoff doubles up to RetryMax.
func TestWorkerGivesUp(t *testing.T) {
	s := newStage(t, func(c *modules.Config) {
		c.Notify.RetryBase, c.Notify.RetryMax, c.Notify.MaxAttempts = 10*time.Second, 25*time.Second, 4
	})
	s.fake.Fail(smsfake.BadNumber, 1)
	s.book(s.guestC, 3, 4).OK(t)
	s.deliver()
	bad := s.outbox(t, s.notes(t, s.landlord)[0])
	if bad.GetString(notify.FieldState) != notify.StateFailed || bad.GetInt(notify.FieldAttempts) != 1 ||
		!strings.Contains(bad.GetString(notify.FieldLastError), "isv.MOBILE_NUMBER_ILLEGAL") {
		t.Fatalf("bad number: %v", bad)
	}

	s.fake.Fail(smsfake.TemplateNotApproved, -1)
	s.book(s.guestC, 6, 7).OK(t)
	row := func() (int, string, time.Duration) {
		ob := s.outbox(t, s.notes(t, s.landlord)[1])
		return ob.GetInt(notify.FieldAttempts), ob.GetString(notify.FieldState),
			ob.GetDateTime(notify.FieldNextTry).Time().Sub(s.app.Clock.Now())
	}
	for i, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 25 * time.Second} {
		s.deliver()
		if a, st, next := row(); a != i+1 || st != notify.StatePending || next != wait {
			t.Fatalf("attempt %d: %d %s next in %v, want next in %v", i+1, a, st, next, wait)
		}
		s.app.Clock.Advance(wait)
	}
	s.deliver()
	if a, st, _ := row(); a != 4 || st != notify.StateFailed {
		t.Fatalf("after MaxAttempts: %d %s", a, st)
	}
	s.app.Clock.Advance(time.Hour)
	s.deliver()
	if a, _, _ := row(); a != 4 {
		t.Fatalf("a FAILED message was tried again")
	}

	// staff set it back to PENDING in the admin UI: it goes out
	s.fake.Fail(smsfake.OK, 0)
	ob := s.outbox(t, s.notes(t, s.landlord)[1])
	ob.Set(notify.FieldState, notify.StatePending)
	ob.Set(notify.FieldAttempts, 0)
	if err := s.app.Save(ob); err != nil {
		t.Fatal(err)
	}
	s.deliver()
	if _, st, _ := row(); st != notify.StateSent {
		t.Fatalf("after staff retry: %s", st)
	}
}

// TestQuietHoursHoldBackWhatCanWait: at 23:00 in the server zone a
// cancellation waits for 08:00, while a booking that starts tomorrow goes
// out at once.
func TestQuietHoursHoldBackWhatCanWait(t *testing.T) {
	s := newStage(t, func(c *modules.Config) { c.Notify.QuietHours = "22:00-08:00" })
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	now := s.app.Clock.Now().In(shanghai)
	s.app.Clock.Set(time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, shanghai))

	urgent := orderId(t, s.book(s.guestC, 1, 2).OK(t))
	later := orderId(t, s.book(s.otherC, 5, 6).OK(t))
	s.otherC.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": later}).OK(t)
	s.deliver()
	sent := map[string]bool{}
	for _, d := range s.fake.Deliveries() {
		sent[d.Template+":"+d.Params[sms.ParamOrder]] = true
	}
	if !sent[sms.TemplateOrderNew+":"+urgent] || sent[sms.TemplateOrderNew+":"+later] || sent[sms.TemplateOrderCanceled+":"+later] || len(sent) != 1 {
		t.Fatalf("sent at 23:00: %v", sent)
	}
	canceled := s.outbox(t, s.notes(t, s.other)[0])
	morning := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, shanghai).AddDate(0, 0, 1)
	if !canceled.GetDateTime(notify.FieldNextTry).Time().Equal(morning) || canceled.GetInt(notify.FieldAttempts) != 0 {
		t.Fatalf("held back until %v (attempts %d), want %v", canceled.GetDateTime(notify.FieldNextTry).Time().In(shanghai),
			canceled.GetInt(notify.FieldAttempts), morning)
	}
	s.app.Clock.Set(morning.Add(time.Minute))
	s.deliver()
	if n := len(s.fake.Deliveries()); n != 3 {
		t.Fatalf("%d sent after 08:00, want all 3", n)
	}
}

// TestWorkerWakesAfterCommitOutsideTheRequest: with no cron tick, the
// commit that adds a message wakes the worker; the message is sent after
// the booking answered, outside any transaction.
func TestWorkerWakesAfterCommitOutsideTheRequest(t *testing.T) {
	p := newProbe()
	s := newStage(t, func(c *modules.Config) { c.SMS = p })
	// the booking must answer while the send is held: a send inside the
	// request would keep it until the probe gives up
	s.book(s.guestC, 3, 4).OK(t)
	select {
	case <-p.called:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker was not woken by the commit")
	}
	close(p.release)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timedOut {
		t.Fatal("the booking waited for the text message")
	}
	for _, tx := range p.transactional {
		if tx {
			t.Fatal("a text message was sent inside a transaction")
		}
	}
}

// TestLogProviderIgnoresQuietHours: the log provider texts nobody, so at
// 23:00 its messages land in sms_outbox at once (make demo, development).
func TestLogProviderIgnoresQuietHours(t *testing.T) {
	s := newStage(t, func(c *modules.Config) {
		c.SMS = nil // the default: sms.Log into sms_outbox
		c.Notify.QuietHours = "22:00-08:00"
	})
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	now := s.app.Clock.Now().In(shanghai)
	s.app.Clock.Set(time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, shanghai))
	s.book(s.guestC, 20, 21).OK(t)
	s.deliver()
	if n := s.app.Count("SELECT count(*) FROM sms_outbox WHERE mobile = '" + s.landlord.GetString("mobile") + "' AND text LIKE '%新的预订申请%'"); n != 1 {
		t.Fatalf("%d messages in sms_outbox, want 1", n)
	}
	if st := s.outbox(t, s.notes(t, s.landlord)[0]).GetString(notify.FieldState); st != notify.StateSent {
		t.Fatalf("state %s", st)
	}
}
