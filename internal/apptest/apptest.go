// Package apptest builds real iHome apps for tests: a PocketBase test app
// with the migrations applied and the modules registered, served over HTTP
// by httptest, with a controllable clock and cookie-keeping clients.
package apptest

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"ihome/internal/api"
	"ihome/modules"
	_ "ihome/pb_migrations" // the schema under test
)

// App is a running test app.
type App struct {
	*tests.TestApp
	API    *api.API
	Server *httptest.Server
	Clock  *Clock

	t testing.TB
}

// Option adjusts the module configuration before registration.
type Option func(*modules.Config)

// New returns a migrated, served app; it is cleaned up when t ends.
// The proxy header X-Forwarded-For is trusted so tests can act from
// several client addresses.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir(), EncryptionEnv: "pb_test_env"})
	if err != nil {
		t.Fatalf("test app: %v", err)
	}
	app.Settings().TrustedProxy.Headers = []string{"X-Forwarded-For"}

	clock := NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	cfg := modules.Config{Now: clock.Now}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := modules.Register(app, cfg)
	if err != nil {
		t.Fatalf("register modules: %v", err)
	}

	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	out := &App{TestApp: app, API: a, Clock: clock, t: t}
	serveEvent := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(serveEvent, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		out.Server = httptest.NewServer(mux)
		return nil
	})
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		out.Server.Close()
		app.Cleanup()
	})
	return out
}

// Clock is a settable clock for code lifetimes, throttles and "today".
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
