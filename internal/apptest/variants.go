package apptest

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
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
	return &Client{t: a.t, base: a.Server.URL, hc: &http.Client{Jar: jar, Transport: a.Server.Client().Transport}, contract: a.Contract}
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
	return start(t, dir, opts)
}
