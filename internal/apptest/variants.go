package apptest

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"ihome/modules"
)

// NewTLS is New served over HTTPS: the same mux, wrapped by
// httptest.NewTLSServer, so e.IsTLS() holds in handlers. Talk to it with
// TLSClient (Client's transport does not trust the test certificate).
func NewTLS(t testing.TB, opts ...Option) *App {
	t.Helper()
	a := New(t, opts...)
	plain := a.Server
	a.Server = httptest.NewTLSServer(plain.Config.Handler)
	plain.Close() // New's cleanup closes it again, which is a no-op
	t.Cleanup(a.Server.Close)
	return a
}

// TLSClient is Client with a transport that trusts the test server's
// certificate; it works for plain apps too.
func (a *App) TLSClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: a.t, base: a.Server.URL, hc: &http.Client{Jar: jar, Transport: a.Server.Client().Transport}}
}

// For returns a copy of c (sharing its cookie jar) that reports failures to
// t: a fuzz target must not use the *testing.F its app was made with.
func (c *Client) For(t testing.TB) *Client {
	cp := *c
	cp.t = t
	return &cp
}

// Open is New on a copy of an existing data dir (an unzipped backup, say)
// instead of an empty one: pending migrations run, the modules are
// registered and the app is served. dir itself is left untouched.
func Open(t testing.TB, dir string, opts ...Option) *App {
	t.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env"})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	app.Settings().TrustedProxy.Headers = []string{"X-Forwarded-For"}
	clock := NewClock(time.Now().UTC().Truncate(time.Second))
	setup := Setup{Config: modules.Config{Now: clock.Now}}
	for _, o := range opts {
		o(&setup)
	}
	a, err := modules.Register(app, setup.Config)
	if err != nil {
		t.Fatalf("register modules: %v", err)
	}
	if setup.Routes != nil {
		setup.Routes(a)
	}
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	out := &App{TestApp: app, API: a, Clock: clock, t: t}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
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
