package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/internal/sms"
	"ihome/internal/sms/smsfake"
	"ihome/modules"
	"ihome/modules/notify"
)

// stage is a landlord with one house and two guests, on an app whose SMS
// provider is Aliyun pointed at a local fake (quiet hours off unless a
// test sets them).
type stage struct {
	app            *apptest.App
	fake           *smsfake.Aliyun
	house          *core.Record
	landlord       *core.Record
	landlordC      *apptest.Client
	guest, other   *core.Record
	guestC, otherC *apptest.Client
}

func newStage(t *testing.T, adjust ...func(*modules.Config)) *stage {
	t.Helper()
	fake := smsfake.NewAliyun(t)
	p, err := sms.New(sms.Config{Provider: sms.ProviderAliyun, Timeout: 2 * time.Second, Aliyun: fake.Config()})
	if err != nil {
		t.Fatal(err)
	}
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) {
		c.SMS = p
		c.Notify.QuietHours = "off"
		for _, f := range adjust {
			f(c)
		}
	}))
	s := &stage{app: app, fake: fake}
	s.landlord, s.landlordC = app.NewUser(1)
	app.Verify(s.landlord, 1)
	s.guest, s.guestC = app.NewUser(2)
	s.other, s.otherC = app.NewUser(3)
	s.house = app.CreateHouse(s.landlord, map[string]any{"title": "西湖边的小院"})
	return s
}

// book asks for the house from today+start to today+end as c.
func (s *stage) book(c *apptest.Client, start, end int) *apptest.Response {
	return c.Post("/api/v1.0/orders", map[string]any{
		"house_id": s.house.Id, "start_date": s.app.Today(start), "end_date": s.app.Today(end),
	})
}

// orderId is the order_id of a booking's answer.
func orderId(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var d struct {
		OrderId json.Number `json:"order_id"`
	}
	r.Decode(t, &d)
	return d.OrderId.String()
}

// notes returns the notifications of user, oldest first.
func (s *stage) notes(t *testing.T, user *core.Record) []*core.Record {
	t.Helper()
	recs, err := s.app.FindRecordsByFilter(notify.Collection, "user = {:u}", "created,id", 0, 0, map[string]any{"u": user.Id})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// outbox returns the outbox row of notification n.
func (s *stage) outbox(t *testing.T, n *core.Record) *core.Record {
	t.Helper()
	r, err := s.app.FindFirstRecordByFilter(notify.OutboxCollection, "notification = {:n}", map[string]any{"n": n.Id})
	if err != nil {
		t.Fatalf("outbox of notification %s: %v", n.Id, err)
	}
	return r
}

// deliver runs the worker's pass now, as its cron job does.
func (s *stage) deliver() { s.app.RunCron(notify.DeliverJobId) }

// probe is a provider that records how it was called and holds each send
// until released (or 5 s pass): a send made inside a request would keep
// the request from answering.
type probe struct {
	mu            sync.Mutex
	called        chan struct{}
	release       chan struct{}
	transactional []bool
	timedOut      bool
}

func newProbe() *probe {
	return &probe{called: make(chan struct{}, 100), release: make(chan struct{})}
}

func (p *probe) Send(ctx context.Context, app core.App, mobile string, m sms.Message) error {
	p.mu.Lock()
	p.transactional = append(p.transactional, app.IsTransactional())
	p.mu.Unlock()
	p.called <- struct{}{}
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second):
		p.mu.Lock()
		p.timedOut = true
		p.mu.Unlock()
		return errors.New("probe: never released")
	}
}
