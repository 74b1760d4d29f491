// Package apptest builds real iHome apps for tests: a PocketBase test app
// with the migrations applied and the modules registered, served over HTTP
// by httptest, with a controllable clock and cookie-keeping clients.
package apptest

import (
	"net/http"
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
	// Contract checks the clients' traffic against docs/openapi.yaml.
	Contract *Contract

	t testing.TB
}

// Option adjusts a test app before it is served.
type Option func(*Setup)

// Setup is what options may change.
type Setup struct {
	Config modules.Config
	// Routes, when set, may declare extra routes (a test-only fault, say).
	Routes func(*api.API)
}

// WithConfig lets a test change the module configuration.
func WithConfig(f func(*modules.Config)) Option {
	return func(s *Setup) { f(&s.Config) }
}

// New returns a migrated, served app; it is cleaned up when t ends.
// The proxy header X-Forwarded-For is trusted so tests can act from
// several client addresses.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	return start(t, t.TempDir(), opts)
}

// start makes an app on a copy of dir, registers the modules and serves it.
func start(t testing.TB, dir string, opts []Option) *App {
	t.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err != nil {
		t.Fatalf("test app on %s: %v", dir, err)
	}
	app.Settings().TrustedProxy.Headers = []string{"X-Forwarded-For"}

	// The clock starts at the real time: autodate fields (created) use it too.
	clock := NewClock(time.Now().UTC().Truncate(time.Second))
	setup := Setup{Config: modules.Config{Now: clock.Now}}
	for _, o := range opts {
		o(&setup)
	}
	a, err := modules.Register(app, setup.Config)
	if err != nil {
		t.Fatalf("register modules: %v", err)
	}
	contract, err := LoadContract()
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	if setup.Routes != nil {
		before := len(a.Routes())
		setup.Routes(a)
		contract.declareTestRoutes(a.Routes()[before:])
	}

	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	out := &App{TestApp: app, API: a, Clock: clock, Contract: contract, t: t}
	// As apis.Serve does: OnServe handlers may wrap e.Server.Handler after
	// the mux is built (api.Guard does).
	serveEvent := &core.ServeEvent{App: app, Router: router, Server: &http.Server{}}
	err = app.OnServe().Trigger(serveEvent, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		e.Server.Handler = mux
		return nil
	})
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	out.Server = httptest.NewServer(serveEvent.Server.Handler)
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

// RunCron runs the cron job id now, as the scheduler would.
func (a *App) RunCron(id string) {
	a.t.Helper()
	for _, j := range a.Cron().Jobs() {
		if j.Id() == id {
			j.Run()
			return
		}
	}
	a.t.Fatalf("no cron job %q", id)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
